# Cleaned orders: drop test customers and cancelled lines.
import dataiku

orders = dataiku.Dataset("orders").get_dataframe()
customers = dataiku.Dataset("customers").get_dataframe()

real = customers[~customers["email"].str.endswith("@example.com")]
clean = orders[orders["customer_id"].isin(real["customer_id"]) & (orders["amount"] > 0)]

dataiku.Dataset("orders_clean").write_with_schema(clean)
