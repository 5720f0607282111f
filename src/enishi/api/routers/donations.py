"""Staff: donations sent by other systems (donations:write), e.g. a ふるさと納税 portal's
connection, instead of waiting for the next exported file. Read, identified and matched by the
same rules as an import, so a donation sent here and later found in a file is one donation."""

from ninja import Router, Status
from ninja.errors import HttpError

from enishi.core.imports import RowError
from enishi.donations.models import Answer
from enishi.donations.services import donation_receive

from ..auth import StaffToken
from ..problems import errors
from ..schemas import DonationCreated, DonationIn
from ..scopes import Scope

router = Router(tags=["donations"], auth=StaffToken(Scope.DONATIONS_WRITE))

ANSWERS = {True: Answer.YES, False: Answer.NO, None: ""}


@router.post(
    "/donations",
    response={201: DonationCreated, 200: DonationCreated, **errors(401, 403)},
)
def create_donation(request, payload: DonationIn):
    """201 with the new donation and whom it was matched to; 200 with `created: false` when
    this portal's receipt number was recorded before (a retry, or a file imported earlier)."""
    values = payload.dict(exclude={"wants_information", "donated_on", "amount"})
    values["donated_on"] = payload.donated_on.isoformat()
    values["amount"] = str(payload.amount)
    values["info_consent"] = ANSWERS[payload.wants_information]
    try:
        donation, created = donation_receive(community=request.community, values=values)
    except RowError as error:  # e.g. a date in the future, kana that is not kana
        raise HttpError(422, str(error)) from error
    return Status(201 if created else 200, {"created": created, "donation": donation})
