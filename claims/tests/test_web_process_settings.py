"""The web process's gunicorn settings (gunicorn.conf.py): the application and the ICD-10-CM code
set are loaded in the master, before the workers are forked."""

import gc
import importlib.util
import sys
from pathlib import Path

from django.conf import settings
from django.db import connections


def _settings_module():
    path = Path(settings.BASE_DIR) / "gunicorn.conf.py"
    spec = importlib.util.spec_from_file_location("gunicorn_conf", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_master_loads_the_application_before_forking():
    assert _settings_module().preload_app is True


def test_the_procfile_web_process_reads_those_settings():
    procfile = (Path(settings.BASE_DIR) / "Procfile").read_text()
    web = next(line for line in procfile.splitlines() if line.startswith("web:"))
    assert "--config gunicorn.conf.py" in web
    assert "--preload" not in web  # the file says it


def test_when_ready_loads_the_code_set_and_freezes_what_is_loaded(monkeypatch):
    module = _settings_module()
    monkeypatch.delitem(sys.modules, "simple_icd_10_cm", raising=False)
    try:
        module.when_ready(server=None)
        assert "simple_icd_10_cm" in sys.modules
        assert sys.modules["simple_icd_10_cm"].is_valid_item("E11.9")
        assert all(c.connection is None for c in connections.all())
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
