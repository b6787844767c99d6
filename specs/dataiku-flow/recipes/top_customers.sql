SELECT customer_id, SUM(amount) AS revenue
FROM orders_clean
GROUP BY customer_id
ORDER BY revenue DESC
LIMIT 100
