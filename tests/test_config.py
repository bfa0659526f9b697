import pytest

from tagsvc import create_app
from tagsvc.config import Config, ConfigurationError


def test_production_refuses_to_start_without_secret_key_and_public_url():
    with pytest.raises(ConfigurationError) as error:
        create_app(Config({"TAGSVC_ENV": "production"}).as_dict())
    assert "TAGSVC_SECRET_KEY" in str(error.value) and "TAGSVC_PUBLIC_BASE_URL" in str(error.value)


def test_production_refuses_a_placeholder_secret_key():
    env = {"TAGSVC_ENV": "production", "TAGSVC_SECRET_KEY": "change-me", "TAGSVC_PUBLIC_BASE_URL": "https://tags.school.cn"}
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app(Config(env).as_dict())


def test_production_starts_with_real_settings(tmp_path):
    env = {
        "TAGSVC_ENV": "production",
        "TAGSVC_SECRET_KEY": "x" * 40,
        "TAGSVC_PUBLIC_BASE_URL": "https://tags.school.cn/",
        "TAGSVC_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
    }
    app = create_app(Config(env).as_dict())
    assert app.config["PUBLIC_BASE_URL"] == "https://tags.school.cn" and app.config["SESSION_COOKIE_SECURE"]


def test_development_defaults_are_safe_to_run():
    config = Config({})
    assert config.DEFAULT_LANGUAGE == "zh" and config.SQLALCHEMY_DATABASE_URL.startswith("sqlite:///")
    assert len(config.SECRET_KEY) >= 24


def test_wsgi_module_exposes_the_app_for_gunicorn(monkeypatch, tmp_path):
    monkeypatch.setenv("TAGSVC_DATABASE_URL", f"sqlite:///{tmp_path / 'w.db'}")
    import importlib

    import wsgi

    importlib.reload(wsgi)
    assert wsgi.app.name == "tagsvc" and "scanning.scan" in {r.endpoint for r in wsgi.app.url_map.iter_rules()}
