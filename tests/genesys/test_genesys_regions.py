"""QM_GENESYS_REGION in every spelling Genesys uses resolves to the same hosts; others stop."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from service.cli import main
from service.settings import GENESYS_REGIONS, Settings, settings_error_lines

sdk = pytest.importorskip("PureCloudPlatformClientV2")


def spellings(name: str, host: str) -> list[str]:
    domain = host.removeprefix("api.")
    return [
        name,
        name.replace("_", "-"),
        domain,
        host,
        name.upper().replace("_", "-"),
        f"https://{host}/",
        f"  {domain}  ",
    ]


def test_our_regions_are_exactly_the_sdks():
    sdk_hosts = {r.name: r.value.removeprefix("https://") for r in sdk.PureCloudRegionHosts}
    assert sdk_hosts == GENESYS_REGIONS
    assert len(GENESYS_REGIONS) >= 17


@pytest.mark.parametrize(("name", "host"), sorted(GENESYS_REGIONS.items()))
def test_every_spelling_of_a_region_resolves_to_the_same_hosts(name, host):
    for spelling in spellings(name, host):
        s = Settings(genesys_region=spelling, genesys_client_id="c", genesys_client_secret="x")
        assert s.genesys_region == name, spelling
        assert s.genesys_base_url == f"https://{host}", spelling
        assert s.genesys_login_url == "https://" + host.replace("api.", "login.", 1), spelling
        assert s.genesys_enabled


@pytest.mark.parametrize("spelling", ["mypurecloud.ie", "eu-west-1", "api.mypurecloud.ie"])
def test_a_region_spelled_in_the_api_host_setting_is_the_region(spelling):
    s = Settings(genesys_api_host=spelling)
    assert s.genesys_base_url == "https://api.mypurecloud.ie"
    assert s.genesys_login_url == "https://login.mypurecloud.ie"


def test_a_local_fake_host_is_kept_as_is():
    s = Settings(genesys_api_host="http://127.0.0.1:8765", genesys_region="eu-west-1")
    assert s.genesys_base_url == "http://127.0.0.1:8765"
    assert s.genesys_login_url == "http://127.0.0.1:8765"


def test_no_region_means_not_configured():
    assert Settings(genesys_region="").genesys_base_url == ""
    assert Settings(genesys_region="  ").genesys_enabled is False


@pytest.mark.parametrize(
    "bad", ["eu-west-9", "eu_west", "mypurecloud.fr", "api.mypurecloud.com.br", "us_east_1_x", "ie"]
)
def test_an_unknown_region_is_a_one_line_settings_error_listing_the_valid_ones(bad):
    with pytest.raises(ValidationError) as caught:
        Settings(genesys_region=bad)
    (line,) = settings_error_lines(caught.value)
    assert "\n" not in line and line.startswith("QM_GENESYS_REGION")
    assert repr(bad) in line and all(name in line for name in GENESYS_REGIONS)


def test_an_unknown_region_stops_the_cli_with_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("QM_GENESYS_REGION", "eu-west-9")
    monkeypatch.setenv("QM_INSTANCE_PATH", str(tmp_path))
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 2  # bad input (README: exit codes)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "QM_GENESYS_REGION 'eu-west-9'" in lines[0]
    assert "Traceback" not in result.output
