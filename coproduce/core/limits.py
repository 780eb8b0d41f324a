"""How long each kind of text may be, in characters: the one place the web forms
(`max_length=limits.X`) and the API schemas (`Field(max_length=limits.X)`) take their limits
from, so a field has the same limit whichever way it comes in. A field with a database column of
its own length uses a limit no longer than the column.

Every text field of a web form and every string in an API request body has a limit; the tests in
tests/core/test_text_limits.py walk both and check that fields standing for the same thing
agree. Pick the limit by what the field is, not by the number."""

from __future__ import annotations

# Names and short labels --------------------------------------------------------------------------
NAME = 150  # a person's full name, a referee's; an agency's, a role's, a partner's, an offer's name
KNOWN_AS = 60  # the name other members see
SHORT_NAME = 80  # a neighbourhood, a category, a token's name, an agency's web address name
LABEL = 120  # a job title, a training, how a referee knows the applicant
LISTING_TITLE = 120  # an offer's or request's title
MEMBER_SEARCH = 150  # a member named in a form: a name or a member number
MEMBER_REF = 20  # a member number, "RIV-0042" or 42
MEMBER_CODE_INPUT = (
    200  # what the door desk types or scans: a member number or the card's QR payload
)

# Signing in ---------------------------------------------------------------------------------------
LOGIN = 254  # an email address, a username or a member number typed to sign in
PASSWORD = 256  # longer than any password manager makes; hashing a megabyte would be a way to
# tire the server
MFA_CODE = 64  # a six-digit code or a recovery code, with room for spaces
SIGN_IN_CODE = 32  # a sign-in letter's code, "K7QM-29XP", typed with spaces or not

# Contact details ---------------------------------------------------------------------------------
EMAIL = 254  # the longest address SMTP carries (RFC 5321)
PHONE = 40
ADDRESS = 500  # a postal address, several lines

# One line of text --------------------------------------------------------------------------------
LINE = 200  # a place, a commitment, a website, languages, a gift, a picture's description, what
# hours were for
SEARCH = 200  # words to look for
DIRECTORY_SEARCH = 100  # a name, neighbourhood, gift or member number in the member directory
TAG = 30  # one tag of a listing
TAG_LIST = 400  # a listing's tags as typed in the web form, separated by commas (at most 10 of TAG)
REFERENCE_NUMBER = 60  # a check's reference number (a DBS certificate number, say)
SLIP_NUMBER = 40  # a paper slip's printed number
CURRENCY = 3  # ISO 4217, such as GBP
MONEY = 10  # an amount as a decimal string, such as "4.50"
AVAILABILITY_SLOT = 7  # "mon-am" ... "sun-eve"
RRULE = 300  # a session series' repeat rule
CONSENT_NOTE = 300  # how and when a referred person agreed
IDEMPOTENCY_KEY = 120  # a form's hidden key against double submits
CURSOR = 500  # a page's opaque position

# Texts -------------------------------------------------------------------------------------------
SHORT_NOTE = 500  # why a listing was closed or a session cancelled; a self-assessment's evidence
REPORT = 1000  # what is wrong with a message; what was done about it; a note on a referral
TEXT = 2000  # a reason (declining, reversing, granting, changing the rules, leaving), a note on a
# check or a decision, a reference after an exchange, a concern's outcome, accessibility needs, what
# matters to a referred person, a partner's description, a note on a donation or transfer
MESSAGE = 4000  # a message between members, an introduction
DESCRIPTION = 4000  # a listing's, an agency's or a role's description
LONG_TEXT = 5000  # about yourself when applying, a referee's answer, a note on recorded hours
COORDINATOR_NOTE = 10000  # coordinators' notes on an application
PROPOSAL_TITLE = 150  # a proposal's title
PROPOSAL_TEXT = 10000  # a proposal's text, or an amendment's
OPTION = 100  # one option of an approval or ranked vote
OPTIONS_MAX = 20  # options on one ballot

# Lists typed one per line in a web form (the API takes them as lists) ----------------------------
GIFTS_MAX = 60
GIFT_LIST = GIFTS_MAX * (LINE + 2)  # one kind's gifts, one per line
TRAINING_MAX = 10
TRAINING_LIST = 1300  # a role's training, one per line (at most TRAINING_MAX of LABEL)
COMMITMENT = 300  # what a commitment that follows a decision is
COMMITMENTS_MAX = 10  # commitments in one answer to an ask
