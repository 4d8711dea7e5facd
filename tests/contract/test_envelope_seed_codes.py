"""The (situation, code) pairs the seeds state, judged in both profiles from the contracts' catalogues."""

from __future__ import annotations

import pytest

from wfmock.openapi.profiles import Contract
from wfmock.contract.envelope import seed_catalogue_problems, situation_code_problems
from wfmock.openapi.document import openapi_dir


def contract(api: str, profile: str) -> Contract:
    return Contract.load(api, openapi_dir() / f"{api}.yaml", profile)


@pytest.mark.parametrize("profile", ["documented", "strict"])
def test_miso_seed_status_and_code_go_together(profile: str) -> None:
    miso = contract("miso", profile)
    assert seed_catalogue_problems(miso, 413, "file_too_large") == []
    assert seed_catalogue_problems(miso, 400, "file_too_large") == [
        "code 'file_too_large' is the seed's code for HTTP 413, sent with 400"]
    assert seed_catalogue_problems(miso, 413, "payload_too_large") == [
        "HTTP 413 is the seed's status for ['file_too_large'], sent with code 'payload_too_large'"]
    assert seed_catalogue_problems(miso, 503, "s3_permission_denied") == []


@pytest.mark.parametrize("profile", ["documented", "strict"])
def test_statuses_the_seed_shares_with_decisions_stay_open(profile: str) -> None:
    miso = contract("miso", profile)
    assert seed_catalogue_problems(miso, 400, "not_workflow_app") == []      # Dify's, inferred, beside the seed's
    assert seed_catalogue_problems(miso, 415, "unsupported_media_type") == []  # JSON endpoints: Dify's 415
    assert seed_catalogue_problems(miso, 418, "teapot") == []
    imprun = contract("imprun", profile)
    assert seed_catalogue_problems(imprun, 401, "UNAUTHORIZED") == []  # the seed gives imprun's codes no status


@pytest.mark.parametrize("profile", ["documented", "strict"])
def test_imprun_seed_messages_name_their_codes(profile: str) -> None:
    imprun = contract("imprun", profile)
    assert seed_catalogue_problems(imprun, 402, "INSUFFICIENT_CREDIT", "크레딧 부족") == []
    assert seed_catalogue_problems(imprun, 402, "CREDIT_EXHAUSTED", "크레딧 부족") == [
        "message '크레딧 부족' is the seed's message for code 'INSUFFICIENT_CREDIT', sent with code 'CREDIT_EXHAUSTED'"]
    assert seed_catalogue_problems(imprun, 422, "LOGIN_FAILED", "로그인 실패")
    assert seed_catalogue_problems(imprun, 400, "VALIDATION_ERROR", "credentialId is required") == []


def test_a_situation_answered_with_another_code() -> None:
    assert situation_code_problems("a bad key", "INVALID_API_KEY", {"code": "INVALID_API_KEY"}) == []
    assert situation_code_problems("a bad key", "INVALID_API_KEY", {"code": "UNAUTHORIZED"}) == [
        "a bad key: the seed's code is 'INVALID_API_KEY', got code 'UNAUTHORIZED'"]
    assert situation_code_problems("a bad key", "INVALID_API_KEY", None) == [
        "a bad key: the seed's code is 'INVALID_API_KEY', got code None"]
