from django.apps import AppConfig


class DevdataConfig(AppConfig):
    """Demo personas and data (seed_demo, demo_code) and the large-plan generator for the benchmark
    (generate_load_data). No models: it writes every other app's rows."""

    name = "devdata"
