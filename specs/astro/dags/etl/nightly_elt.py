"""Nightly ELT: load raw orders, then build the warehouse tables (example DAG)."""

from datetime import datetime

from airflow.decorators import dag, task


@dag(schedule="0 2 * * *", start_date=datetime(2026, 1, 1), catchup=False, tags=["elt"])
def nightly_elt():
    @task
    def extract() -> int:
        return 42

    @task
    def load(rows: int) -> None:
        print(f"loaded {rows} rows")

    load(extract())


nightly_elt()
