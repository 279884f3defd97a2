# SPDX-License-Identifier: Apache-2.0
"""Enumerations and constants of the C headers, as Python enums."""
from __future__ import annotations

import enum

NONCE_SIZE = 32                    #: TEEATTEST_NONCE_SIZE
TIME_MAX = 253402300799            #: TEEATTEST_TIME_MAX (9999-12-31)
ENTRY_ALL = (1 << 64) - 1          #: TEEATTEST_ENTRY_ALL ((size_t)-1)
MEMO_OFF = (1 << 64) - 1           #: TEEATTEST_MEMO_OFF (SIZE_MAX)
INTEL_PCS_URL = "https://api.trustedservices.intel.com"


class Status(enum.IntEnum):
    """teeattest_status."""
    OK = 0
    E_INVALID_ARG = -1
    E_NOMEM = -2
    E_ABI = -3
    E_ABI_TOO_NEW = -4
    E_BUFFER_TOO_SMALL = -5
    E_UNSUPPORTED = -6
    E_USER = -7
    E_PASSTHROUGH = -8
    E_INTERNAL = -9
    E_NOT_FOUND = -10
    E_IO = -11
    E_NOT_VERIFIED = -12
    E_PARSE = -100
    E_JSON = -101
    E_HEX = -102
    E_BASE64 = -103
    E_LENGTH = -104
    E_TOO_LARGE = -105
    E_FIELD_MISSING = -106
    E_SIG_TEXT = -107
    E_SIG_ENCODING = -108
    E_SIG_ALGO = -109
    E_SIGNER_FORMAT = -110
    E_CRYPTO = -200
    E_VERIFY_FAILED = -201
    E_RECOVER_FAILED = -202
    E_CERT_CHAIN = -203
    E_RANDOM = -204
    E_TRANSPORT = -300
    E_TIMEOUT = -301
    E_HTTP_STATUS = -302
    E_TLS = -303
    E_CANCELLED = -304
    E_RESPONSE_TOO_LARGE = -305
    E_SIGNATURE_UNAVAILABLE = -306


class Verdict(str, enum.Enum):
    """A result's verdict, spelled as in the JSON result."""
    FAILED = "failed"
    VERIFIED = "verified"


class Outcome(str, enum.Enum):
    """A check's outcome, spelled as in the JSON result."""
    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"   #: did not run; fails the verdict if required
    WARN = "warn"   #: ran; noteworthy but accepted by the policy
    UNKNOWN = "unknown"


OUTCOMES = {1: Outcome.PASS, 2: Outcome.FAIL, 3: Outcome.SKIP,
            4: Outcome.WARN}


class LogLevel(enum.IntEnum):
    NONE = 0
    ERROR = 1
    WARN = 2
    INFO = 3
    DEBUG = 4


class Feature(enum.IntEnum):
    CURL_TRANSPORT = 1
    RIM_XML = 2
    ED25519 = 3
    SECP256K1 = 4


class SigAlgo(enum.IntEnum):
    ECDSA = 1
    ED25519 = 2


class SigKind(enum.IntEnum):
    """teeattest_sig_kind: who produced a signature (``signature_kind``)."""
    NONE = 0
    PROVIDER_TEE = 1
    GATEWAY = 2


class HashAlg(enum.IntEnum):
    SHA256 = 1
    SHA384 = 2
    SHA512 = 3
    KECCAK256 = 4


class Curve(enum.IntEnum):
    P256 = 1
    P384 = 2


class Register(enum.IntEnum):
    """TD registers a policy can pin (48-byte values)."""
    MRTD = 1
    RTMR0 = 2
    RTMR1 = 3
    RTMR2 = 4
    RTMR3 = 5
    MRCONFIGID = 6


class Identity(enum.IntEnum):
    """Software identities a policy can pin (32 bytes; APP_ID 20)."""
    OS_IMAGE_HASH = 1
    COMPOSE_HASH = 2
    APP_ID = 3
    IMAGE_DIGEST = 4
    GPU_POLICY_HASH = 5
    INIT_SCRIPT_HASH = 6


class TdxStatus(enum.IntEnum):
    NONE = 0
    UP_TO_DATE = 1
    SW_HARDENING_NEEDED = 2
    CONFIGURATION_NEEDED = 3
    CONFIGURATION_AND_SW_HARDENING_NEEDED = 4
    OUT_OF_DATE = 5
    OUT_OF_DATE_CONFIGURATION_NEEDED = 6
    TD_RELAUNCH_ADVISED = 7
    TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED = 8
    REVOKED = 9
    TCB_NOT_SUPPORTED = 10


class GpuMode(enum.IntEnum):
    AUTO = 0
    LOCAL = 1
    REMOTE = 2
    BOTH = 3


class GpuRequirement(enum.IntEnum):
    DEFAULT = 0
    REQUIRE = 1
    SKIP = 2


class GpuOcspNonce(enum.IntEnum):
    REQUIRE = 0
    OPTIONAL = 1
    NONE = 2


class GpuItem(enum.IntEnum):
    RIM = 1
    OCSP = 2
    NRAS_RESPONSE = 3
    JWKS = 4


class GpuService(enum.IntFlag):
    NRAS = 1
    RIM = 2
    OCSP = 4
    JWKS = 8
    ALL = 15


class EvidenceItem(enum.IntEnum):
    NRAS_RESPONSE = 1
    TLS_SPKI = 2
    E2E_INSTANCES = 3
    MODEL_COMPOSE = 4


class EntryField(enum.IntEnum):
    ROLE = 1
    SIGNING_ADDRESS = 2
    SIGNING_ALGO = 3
    SIGNING_PUBLIC_KEY = 4
    QUOTE = 5
    GPU_PAYLOAD = 6
    EVENT_LOG = 7
    INFO = 8
    TCB_INFO = 9
    APP_COMPOSE = 10
    TLS_FINGERPRINT = 11
    NONCE_ECHO = 12
    MODEL = 13
    RAW = 14
    REPORT_DATA = 15
    CERTIFICATE = 16
    INSTANCE_ID = 17
    E2E_PUBKEY = 18
    VM_CONFIG = 19
    COMPOSE_MANAGER = 20
    OHTTP_KEY_CONFIG = 21
    OHTTP_ATTESTATION = 22
    GPU_ATTESTATION = 23


ONLINE_PCCS = 0x0001         #: TEEATTEST_ONLINE_PCCS
ONLINE_MODEL_FILES = 0x0002  #: TEEATTEST_ONLINE_MODEL_FILES
ONLINE_IMAGE_REGISTRY = 0x0004  #: TEEATTEST_ONLINE_IMAGE_REGISTRY
ONLINE_TINFOIL_RELEASE = 0x0008  #: TEEATTEST_ONLINE_TINFOIL_RELEASE
CHAT_STREAM = 0x0001         #: TEEATTEST_CHAT_STREAM
HTTP_STREAM = 0x0001
HTTP_PEER_KEY = 0x0002
HTTP_IDEMPOTENT = 0x0004
