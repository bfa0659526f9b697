"""schemathesis drives every operation of the live OpenAPI document (in process, over WSGI) with generated
requests, as the office and as a keeper: no answer may be a server error, and every answer must match the
document (status, content type, headers, body)."""
from __future__ import annotations

import uuid
from urllib.parse import parse_qs

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import negative_data_rejection
from werkzeug.test import EnvironBuilder

EXAMPLES_PER_OPERATION = 30
generated: dict[str, int] = {}
# A request that fits the document may still break a rule it cannot express (no sheet of that name, a repairer who
# is not one, a place put inside itself): tagsvc answers 422 with the reason, as it should.
# Changing an asset without If-Match is answered 428 Precondition Required (RFC 6585), which says exactly that.
CONFIG = SchemathesisConfig.from_dict({"checks": {
    "positive_data_acceptance": {"expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "412", "422", "428", "429"]},
    "missing_required_header": {"expected-statuses": ["400", "401", "403", "406", "415", "422", "428"]},
}})


@pytest.fixture
def api_schema(app, school):
    # An open stocktake of the whole school (id 1, as the generated paths tend to ask), its keepers taking part:
    # confirmations, rooms and devices then meet a real one, not only 404s.
    from tagsvc.stocktake.services import Scope, keepers_of_scope, open_stocktake

    open_stocktake(school.admin, "全校盘点", Scope(), assignments=keepers_of_scope(Scope()))
    # And an open transfer (id 1) between the two departments, so that its steps meet a real one too.
    from tagsvc.transfers.services import TransferRequest, request_transfer

    request_transfer(school.keeper, TransferRequest([school.asset.id], school.other_asset.department_id, reason="调给信息中心"))
    # A loan (id 1) started by the keeper, and a disposal (id 1) of the other department's item waiting for approval.
    from tagsvc.disposals.models import DisposalReason
    from tagsvc.disposals.services import Proposal, propose_disposal
    from tagsvc.loans.models import HandoutKind, RecipientKind
    from tagsvc.loans.services import Recipient, school_today, start_handout

    start_handout(school.keeper, HandoutKind.LOAN, Recipient(RecipientKind.STUDENT, "王小明", "高一(3)班", due_on=school_today()))
    propose_disposal(school.admin, Proposal([school.other_asset.id], DisposalReason.OBSOLETE, "淘汰"))
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def tokens(school, token_of):
    return {"office": token_of(school.admin), "keeper": token_of(school.keeper)}


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case, tokens):
    for person, token in tokens.items():
        generated[person] = generated.get(person, 0) + 1
        if case.headers and "Idempotency-Key" in case.headers:
            # A key names one request: generated examples reuse keys with other bodies, which is refused (422) by
            # design (tests/api/test_idempotency.py), so each call here gets its own.
            case.headers["Idempotency-Key"] = str(uuid.uuid4())
        # A query parameter generated as None or an empty list never reaches the app: the WSGI client leaves it out
        # of the URL, so "an unknown parameter was accepted" would be about a request nobody sent.
        unsent = set(case.query or {}) - set(parse_qs(EnvironBuilder(query_string=case.query).get_environ()["QUERY_STRING"], keep_blank_values=True))
        # The test client does not undo gzip, as an HTTP client would.
        case.call_and_validate(headers={"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"},
                               excluded_checks=[negative_data_rejection] if unsent else None)


@pytest.fixture(scope="module", autouse=True)
def _say_how_many():
    yield
    print(f"\nschemathesis: {sum(generated.values())} requests ({generated})")
