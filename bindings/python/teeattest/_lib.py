# SPDX-License-Identifier: Apache-2.0
"""The C ABI of libteeattest.so.1 as seen from ctypes.

FUNCTIONS is the one table of every bound function: name -> (restype,
argtypes). Nothing else in the package declares a C prototype; the tests
check that every name is exported by the library and that the argument
counts match include/teeattest/*.h.

The library is found, in order: the path in the environment variable
TEEATTEST_LIBRARY; libteeattest.so.1 next to the package (in the package
directory or its parent); the SONAME libteeattest.so.1 through the dynamic
linker's search path. Its run-time version is checked at load.
"""
from __future__ import annotations

import ctypes
import os
import threading
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char, c_char_p, c_int,
                    c_int32, c_int64, c_size_t, c_uint32, c_uint64, c_void_p)
from typing import Any, Dict, List, Optional, Tuple

SONAME = "libteeattest.so.1"
#: The oldest library this package works with (TEEATTEST_VERSION_NUMBER).
MIN_VERSION = 10000
#: The library's major version this package binds (one per SONAME).
MAJOR = 1

SIZE_MAX = ctypes.c_size_t(-1).value


class LibraryLoadError(ImportError):
    """libteeattest.so.1 could not be found or loaded, or is a version
    this package cannot use."""


# ---- structs -------------------------------------------------------------

class Error(Structure):
    """teeattest_error."""
    _fields_ = [("struct_size", c_size_t), ("code", c_int32),
                ("backend_code", c_int32), ("message", c_char * 256),
                ("where", c_char * 96)]


CLOCK_FN = CFUNCTYPE(c_int64, c_void_p)
LOG_FN = CFUNCTYPE(None, c_void_p, c_int32, c_char_p)
SLEEP_FN = CFUNCTYPE(c_int, c_void_p, c_uint32)
CACHE_LOAD_FN = CFUNCTYPE(c_int, c_void_p, c_char_p, c_void_p, c_size_t,
                          POINTER(c_size_t))
CACHE_STORE_FN = CFUNCTYPE(c_int, c_void_p, c_char_p, c_void_p, c_size_t)
RELEASE_FN = CFUNCTYPE(None, c_void_p)
# teeattest_event_fn: data is a length-delimited buffer, read with string_at.
EVENT_FN = CFUNCTYPE(c_int, c_void_p, c_char_p, c_void_p, c_size_t)

HASH_FN = CFUNCTYPE(c_int, c_void_p, c_int32, c_void_p, c_size_t, c_void_p,
                    c_size_t)
ECDSA_VERIFY_FN = CFUNCTYPE(c_int, c_void_p, c_int32, c_void_p, c_size_t,
                            c_void_p, c_size_t, c_void_p, c_size_t)
SECP256K1_RECOVER_FN = CFUNCTYPE(c_int, c_void_p, c_void_p, c_void_p,
                                 c_void_p, c_int32)
ED25519_VERIFY_FN = CFUNCTYPE(c_int, c_void_p, c_void_p, c_void_p, c_size_t,
                              c_void_p)
X509_VERIFY_CHAIN_FN = CFUNCTYPE(
    c_int, c_void_p, POINTER(c_uint32),
    POINTER(c_void_p), POINTER(c_size_t), c_size_t,
    POINTER(c_void_p), POINTER(c_size_t), c_size_t,
    POINTER(c_void_p), POINTER(c_size_t), c_size_t, c_int64)
RANDOM_FN = CFUNCTYPE(c_int, c_void_p, c_void_p, c_size_t)


class CryptoBackend(Structure):
    """teeattest_crypto_backend."""
    _fields_ = [("struct_size", c_size_t), ("user_data", c_void_p),
                ("hash", HASH_FN), ("ecdsa_verify", ECDSA_VERIFY_FN),
                ("secp256k1_recover", SECP256K1_RECOVER_FN),
                ("ed25519_verify", ED25519_VERIFY_FN),
                ("x509_verify_chain", X509_VERIFY_CHAIN_FN),
                ("random", RANDOM_FN), ("release", RELEASE_FN)]


class HttpRequest(Structure):
    """teeattest_http_request (read-only for a transport)."""
    _fields_ = [("struct_size", c_size_t), ("method", c_char_p),
                ("url", c_char_p), ("headers", POINTER(c_char_p)),
                ("header_count", c_size_t), ("body", c_void_p),
                ("body_len", c_size_t), ("flags", c_uint32),
                ("connect_timeout_ms", c_uint32),
                ("total_timeout_ms", c_uint32),
                ("idle_timeout_ms", c_uint32),
                ("max_body_size", c_uint64), ("ca_file", c_char_p),
                ("pinned_key", c_char_p)]


TRANSPORT_FN = CFUNCTYPE(c_int, c_void_p, c_void_p, POINTER(HttpRequest))


class Transport(Structure):
    """teeattest_transport."""
    _fields_ = [("struct_size", c_size_t), ("user_data", c_void_p),
                ("request", TRANSPORT_FN), ("stream", TRANSPORT_FN),
                ("release", RELEASE_FN)]


class CtxOptions(Structure):
    """teeattest_ctx_options (the allocator is not exposed to Python)."""
    _fields_ = [("struct_size", c_size_t), ("allocator", c_void_p),
                ("clock", CLOCK_FN), ("clock_user_data", c_void_p),
                ("log", LOG_FN), ("log_user_data", c_void_p),
                ("log_level", c_int32),
                ("crypto", POINTER(CryptoBackend)),
                ("transport", POINTER(Transport)),
                ("sleep", SLEEP_FN), ("sleep_user_data", c_void_p),
                ("deadline_ms", c_int64),
                ("cache_dir", c_char_p),
                ("cache_load", CACHE_LOAD_FN),
                ("cache_store", CACHE_STORE_FN),
                ("cache_user_data", c_void_p),
                ("memo_entries", c_size_t), ("memo_bytes", c_size_t)]


class AciReceiptOptions(Structure):
    """teeattest_aci_receipt_options."""
    _fields_ = [("struct_size", c_size_t),
                ("request", c_char_p), ("request_len", c_size_t),
                ("response", c_char_p), ("response_len", c_size_t),
                ("rewrite", c_int32), ("require_verified", c_int32),
                ("pinned_sessions", POINTER(c_char_p)),
                ("pinned_count", c_size_t),
                ("session", c_char_p), ("session_len", c_size_t),
                ("e2ee", c_void_p), ("serving", c_int32)]


# ---- the table -----------------------------------------------------------

# Shorthands. Handles are opaque pointers (c_void_p); input bytes are
# passed as c_char_p (length beside them); borrowed strings come back as
# c_char_p (ctypes copies them into bytes at once).
H = c_void_p
PH = POINTER(c_void_p)
S = c_char_p
PS = POINTER(c_char_p)
B = c_char_p
PB = POINTER(c_void_p)
E = POINTER(Error)
I = c_int
I32 = c_int32
PI32 = POINTER(c_int32)
U32 = c_uint32
I64 = c_int64
U64 = c_uint64
Z = c_size_t
PZ = POINTER(c_size_t)

FUNCTIONS: Dict[str, Tuple[Any, List[Any]]] = {
    # version.h, status.h, context.h
    "teeattest_version_number": (U32, []),
    "teeattest_version_string": (S, []),
    "teeattest_status_str": (S, [I]),
    "teeattest_status_name": (S, [I]),
    "teeattest_error_init": (I, [E, Z]),
    "teeattest_ctx_options_init": (I, [POINTER(CtxOptions), Z]),
    "teeattest_ctx_new": (I, [PH, POINTER(CtxOptions), E]),
    "teeattest_ctx_ref": (H, [H]),
    "teeattest_ctx_free": (None, [H]),
    "teeattest_ctx_now": (I64, [H]),
    "teeattest_has_feature": (I, [I32]),
    # encoding.h (bound for completeness; Python has bytes.fromhex/base64)
    "teeattest_hex_decode": (I, [c_void_p, PZ, S, E]),
    "teeattest_hex_encode": (I, [c_void_p, Z, B, Z, E]),
    "teeattest_base64_decode": (I, [c_void_p, PZ, S, E]),
    # backend.h (called by Python transports)
    "teeattest_http_response_set_status": (I, [H, I32]),
    "teeattest_http_response_add_header": (I, [H, B, Z, B, Z]),
    "teeattest_http_response_write": (I, [H, B, Z]),
    "teeattest_http_response_set_peer_spki": (I, [H, B, Z]),
    "teeattest_http_response_set_error": (I, [H, I32, S]),
    # result.h
    "teeattest_verdict_name": (S, [I32]),
    "teeattest_outcome_name": (S, [I32]),
    "teeattest_result_verdict": (I32, [H]),
    "teeattest_result_check_count": (Z, [H]),
    "teeattest_result_check": (I, [H, Z, PS, PI32, PS, PI32, E]),
    "teeattest_result_find_check": (I, [H, S, PI32, PS, E]),
    "teeattest_result_fact_count": (Z, [H]),
    "teeattest_result_fact_at": (I, [H, Z, PS, PS, E]),
    "teeattest_result_fact": (S, [H, S]),
    "teeattest_result_verified_signer": (I, [H, PS, PS, E]),
    "teeattest_result_to_json": (I, [H, PB, PZ, E]),
    "teeattest_result_ref": (H, [H]),
    "teeattest_result_free": (None, [H]),
    # policy.h
    "teeattest_policy_new": (I, [H, PH, E]),
    "teeattest_policy_ref": (H, [H]),
    "teeattest_policy_free": (None, [H]),
    "teeattest_policy_set_time": (I, [H, I64, E]),
    "teeattest_policy_set_time_now": (I, [H, E]),
    "teeattest_policy_set_ecdsa_strict": (I, [H, I, E]),
    "teeattest_policy_set_require_signer": (I, [H, I, E]),
    "teeattest_policy_set_expected_model": (I, [H, S, E]),
    "teeattest_policy_set_tdx_statuses": (I, [H, U32, E]),
    "teeattest_policy_set_allow_expired_collateral": (I, [H, I, E]),
    "teeattest_policy_set_allow_debug": (I, [H, I, E]),
    "teeattest_policy_set_allow_mrservicetd": (I, [H, I, E]),
    "teeattest_policy_add_measurement": (I, [H, I32, B, Z, E]),
    "teeattest_policy_clear_measurements": (I, [H, I32, E]),
    "teeattest_policy_set_tdx_root": (I, [H, B, Z, E]),
    "teeattest_policy_set_gpu_mode": (I, [H, I32, E]),
    "teeattest_policy_set_gpu_rim": (I, [H, I32, E]),
    "teeattest_policy_set_gpu_ocsp": (I, [H, I32, E]),
    "teeattest_policy_set_gpu_ocsp_nonce": (I, [H, I32, E]),
    "teeattest_policy_set_gpu_allow_cert_hold": (I, [H, I, E]),
    "teeattest_policy_set_gpu_min_count": (I, [H, U32, E]),
    "teeattest_policy_add_identity": (I, [H, I32, B, Z, E]),
    "teeattest_policy_clear_identity": (I, [H, I32, E]),
    "teeattest_policy_set_require_gpu": (I, [H, I, E]),
    "teeattest_policy_set_require_tls_binding": (I, [H, I, E]),
    "teeattest_policy_set_allow_server_nonce": (I, [H, I, E]),
    "teeattest_policy_set_allow_unbound_key": (I, [H, I, E]),
    "teeattest_policy_set_require_event_log": (I, [H, I, E]),
    "teeattest_policy_set_tinfoil_release": (I, [H, B, Z, S, S, E]),
    "teeattest_policy_set_require_tinfoil_release": (I, [H, I, E]),
    "teeattest_policy_set_tinfoil_release_repo": (I, [H, S, S, E]),
    "teeattest_policy_set_tinfoil_hardware": (I, [H, B, Z, E]),
    "teeattest_policy_set_require_tinfoil_hardware": (I, [H, I, E]),
    "teeattest_policy_set_require_provenance": (I, [H, I, E]),
    "teeattest_policy_add_provenance_identity": (I, [H, S, S, S, U32, E]),
    "teeattest_policy_set_sigstore_trusted_root": (I, [H, B, Z, E]),
    "teeattest_policy_set_max_report_age": (I, [H, U32, E]),
    "teeattest_policy_set_aci_allow_null_nonce": (I, [H, I, E]),
    "teeattest_policy_set_aci_max_keyset_lifetime": (I, [H, U32, E]),
    "teeattest_policy_set_min_tcb_eval": (I, [H, U32, E]),
    # signature.h
    "teeattest_signature_parse_json": (I, [H, PH, B, Z, E]),
    "teeattest_signature_parse_headers": (I, [H, PH, B, Z, E]),
    "teeattest_signature_new": (I, [H, PH, S, S, S, S, E]),
    "teeattest_signature_ref": (H, [H]),
    "teeattest_signature_free": (None, [H]),
    "teeattest_signature_algo": (I32, [H]),
    "teeattest_signature_kind": (I32, [H]),
    "teeattest_signature_text": (S, [H]),
    "teeattest_signature_model": (S, [H]),
    "teeattest_signature_request_hash": (S, [H]),
    "teeattest_signature_response_hash": (S, [H]),
    "teeattest_signature_claimed_signer": (S, [H]),
    "teeattest_signature_recover": (I, [H, c_void_p, Z, E]),
    "teeattest_signature_to_json": (I, [H, c_void_p, Z, PZ, E]),
    "teeattest_signature_verify": (I, [H, PH, H, S, B, Z, B, Z, E]),
    "teeattest_signature_verify_attested": (I, [H, PH, H, H, B, Z, B, Z, E]),
    # aci.h
    "teeattest_aci_receipt_options_init": (I, [POINTER(AciReceiptOptions), Z]),
    "teeattest_aci_keyset_digest": (I, [H, c_void_p, Z, B, Z, E]),
    "teeattest_aci_session_id": (I, [H, c_void_p, Z, B, Z, E]),
    "teeattest_aci_verify_receipt": (I, [H, PH, B, Z, B, Z,
                                         POINTER(AciReceiptOptions), E]),
    "teeattest_aci_verify_session": (I, [H, PH, B, Z, S, E]),
    "teeattest_aci_session_audit": (I, [H, PH, B, Z, S, H, H, E]),
    # provider.h
    "teeattest_dialect_name": (S, [Z]),
    "teeattest_dialect_info": (I, [S, PS, PS, E]),
    "teeattest_dialect_api_key_env": (S, [S]),
    "teeattest_provider_new": (I, [H, PH, S, E]),
    "teeattest_provider_ref": (H, [H]),
    "teeattest_provider_free": (None, [H]),
    "teeattest_provider_dialect": (S, [H]),
    "teeattest_provider_set_base_url": (I, [H, S, E]),
    "teeattest_provider_set_api_key": (I, [H, S, E]),
    "teeattest_provider_set_model": (I, [H, S, E]),
    "teeattest_provider_set_option": (I, [H, S, S, E]),
    "teeattest_provider_set_timeouts": (I, [H, U32, U32, U32]),
    "teeattest_provider_set_max_body_size": (I, [H, U64]),
    "teeattest_report_fetch": (I, [H, PH, B, Z, S, E]),
    "teeattest_report_parse": (I, [H, PH, S, B, Z, E]),
    "teeattest_report_ref": (H, [H]),
    "teeattest_report_free": (None, [H]),
    "teeattest_report_dialect": (S, [H]),
    "teeattest_report_nonce": (I, [H, c_void_p, Z, E]),
    "teeattest_report_raw": (I, [H, PB, PZ]),
    "teeattest_report_tls_spki": (I, [H, PB, PZ, E]),
    "teeattest_report_entry_count": (Z, [H]),
    "teeattest_report_entry_get": (I, [H, Z, I32, PB, PZ, E]),
    "teeattest_report_find_entry": (I, [H, PZ, S, E]),
    "teeattest_chat": (I, [H, PH, B, Z, U32, EVENT_FN, c_void_p, E]),
    "teeattest_chat_e2ee": (I, [H, PH, H, U32, EVENT_FN, c_void_p, E]),
    # e2ee.h
    "teeattest_e2ee_session_new": (I, [H, PH, B, Z, S, S, E]),
    "teeattest_e2ee_session_new_nearai": (I, [H, PH, S, S, S, E]),
    "teeattest_e2ee_session_ref": (H, [H]),
    "teeattest_e2ee_session_free": (None, [H]),
    "teeattest_e2ee_session_algo": (S, [H]),
    "teeattest_e2ee_session_key_id": (S, [H]),
    "teeattest_e2ee_encrypt_request": (I, [H, I32, B, Z, E]),
    "teeattest_e2ee_request_body": (I, [H, PB, PZ, E]),
    "teeattest_e2ee_restored_body": (I, [H, PB, PZ, E]),
    "teeattest_e2ee_header_count": (Z, [H]),
    "teeattest_e2ee_header": (I, [H, PS, PS, Z, E]),
    "teeattest_e2ee_decrypt_response": (I, [H, PB, PZ, B, Z, E]),
    "teeattest_e2ee_decrypt_chunk": (I, [H, PB, PZ, B, Z, E]),
    "teeattest_exchange_ref": (H, [H]),
    "teeattest_exchange_free": (None, [H]),
    "teeattest_exchange_status": (I32, [H]),
    "teeattest_exchange_request": (I, [H, PB, PZ]),
    "teeattest_exchange_response": (I, [H, PB, PZ]),
    "teeattest_exchange_id": (S, [H]),
    "teeattest_exchange_header": (S, [H, S]),
    "teeattest_exchange_tls_spki": (I, [H, PB, PZ, E]),
    "teeattest_signature_fetch": (I, [H, PH, H, S, E]),
    "teeattest_aci_receipt_fetch": (I, [H, H, c_void_p, PZ, E]),
    "teeattest_aci_session_fetch": (I, [H, S, c_void_p, PZ, E]),
    # tdx.h
    "teeattest_tdx_status_name": (S, [I32]),
    "teeattest_collateral_load_dir": (I, [H, PH, S, E]),
    "teeattest_collateral_parse_json": (I, [H, PH, B, Z, E]),
    "teeattest_collateral_fetch": (I, [H, PH, S, B, Z, E]),
    "teeattest_collateral_save_dir": (I, [H, S, E]),
    "teeattest_collateral_expiry": (I64, [H]),
    "teeattest_collateral_ref": (H, [H]),
    "teeattest_collateral_free": (None, [H]),
    "teeattest_tdx_verify": (I, [H, PH, B, Z, H, H, E]),
    # sigstore.h
    "teeattest_sigstore_verify_bundle": (I, [H, PH, B, Z, B, Z, B, Z, B,
                                             S, S, U32, B, Z, E]),
    # gpu.h
    "teeattest_gpu_inputs_new": (I, [H, PH, E]),
    "teeattest_gpu_inputs_ref": (H, [H]),
    "teeattest_gpu_inputs_free": (None, [H]),
    "teeattest_gpu_inputs_add": (I, [H, I32, S, B, Z, E]),
    "teeattest_gpu_inputs_add_dir": (I, [H, I32, S, E]),
    "teeattest_gpu_inputs_count": (Z, [H, I32]),
    "teeattest_gpu_inputs_get": (I, [H, I32, Z, PS, PB, PZ, E]),
    "teeattest_gpu_inputs_set_online": (I, [H, U32, E]),
    "teeattest_gpu_inputs_set_url": (I, [H, U32, S, E]),
    "teeattest_gpu_inputs_set_service_key": (I, [H, S, E]),
    "teeattest_gpu_inputs_set_nras_version": (I, [H, I32, E]),
    "teeattest_gpu_verify": (I, [H, PH, B, Z, B, Z, H, H, E]),
    # attest.h
    "teeattest_evidence_new": (I, [H, PH, E]),
    "teeattest_evidence_ref": (H, [H]),
    "teeattest_evidence_free": (None, [H]),
    "teeattest_evidence_add_collateral": (I, [H, H, E]),
    "teeattest_evidence_collateral_count": (Z, [H]),
    "teeattest_evidence_collateral": (H, [H, Z]),
    "teeattest_evidence_set": (I, [H, I32, Z, B, Z, E]),
    "teeattest_evidence_get": (I, [H, I32, Z, PB, PZ, E]),
    "teeattest_evidence_gpu_inputs": (H, [H]),
    "teeattest_evidence_set_online": (I, [H, U32, S, E]),
    "teeattest_evidence_set_url": (I, [H, U32, S, E]),
    "teeattest_evidence_add_sigstore_bundle": (I, [H, B, Z, E]),
    "teeattest_evidence_sigstore_bundle_count": (Z, [H]),
    "teeattest_evidence_sigstore_bundle": (I, [H, Z, PB, PZ, E]),
    "teeattest_report_verify": (I, [H, PH, H, Z, H, H, B, Z, E]),
    # bundle.h
    "teeattest_bundle_new": (I, [H, PH, E]),
    "teeattest_bundle_ref": (H, [H]),
    "teeattest_bundle_free": (None, [H]),
    "teeattest_bundle_set_report": (I, [H, H, E]),
    "teeattest_bundle_set_evidence": (I, [H, H, E]),
    "teeattest_bundle_set_nonce": (I, [H, B, Z, E]),
    "teeattest_bundle_set_model": (I, [H, S, E]),
    "teeattest_bundle_set_time": (I, [H, I64, E]),
    "teeattest_bundle_set_exchange": (I, [H, B, Z, B, Z, E]),
    "teeattest_bundle_set_signature": (I, [H, H, E]),
    "teeattest_bundle_to_json": (I, [H, PB, PZ, E]),
    "teeattest_bundle_parse": (I, [H, PH, B, Z, E]),
    "teeattest_bundle_report": (H, [H]),
    "teeattest_bundle_evidence": (H, [H]),
    "teeattest_bundle_signature": (H, [H]),
    "teeattest_bundle_model": (S, [H]),
    "teeattest_bundle_time": (I64, [H]),
    "teeattest_bundle_nonce": (I, [H, c_void_p, Z, E]),
    "teeattest_bundle_exchange": (I, [H, PB, PZ, PB, PZ, E]),
    "teeattest_bundle_verify": (I, [H, PH, H, H, E]),
    "teeattest_bundle_set_e2ee": (I, [H, H, E]),
    "teeattest_bundle_add_item": (I, [H, I32, B, Z, E]),
    "teeattest_bundle_item_count": (Z, [H, I32]),
    "teeattest_bundle_item": (I, [H, I32, Z, PB, PZ, E]),
    "teeattest_bundle_version": (I32, [H]),
}


class _Lib:
    """The loaded library with every FUNCTIONS entry declared on it."""

    def __init__(self, cdll: ctypes.CDLL, path: str) -> None:
        self.cdll = cdll
        self.path = path
        for name, (restype, argtypes) in FUNCTIONS.items():
            try:
                fn = getattr(cdll, name)
            except AttributeError:
                raise LibraryLoadError(
                    "%s does not export %s: not a libteeattest %d.x "
                    "library this package can use" % (path, name, MAJOR))
            fn.restype = restype
            fn.argtypes = argtypes
            setattr(self, name[len("teeattest_"):], fn)


_lock = threading.Lock()
_loaded: Optional[_Lib] = None


def _candidates() -> List[Tuple[str, str]]:
    """(how, path-or-name) in the documented search order."""
    env = os.environ.get("TEEATTEST_LIBRARY")
    if env:
        # An explicit choice is never silently replaced by another copy.
        return [("TEEATTEST_LIBRARY", env)]
    here = os.path.dirname(os.path.abspath(__file__))
    out = []
    for d in (here, os.path.dirname(here)):
        p = os.path.join(d, SONAME)
        if os.path.exists(p):
            out.append(("next to the package", p))
    out.append(("SONAME", SONAME))
    return out


def load() -> _Lib:
    """The library, loaded and version-checked on first use."""
    global _loaded
    lib = _loaded
    if lib is not None:
        return lib
    with _lock:
        if _loaded is not None:
            return _loaded
        tried = []
        cdll = None
        where = ""
        for how, path in _candidates():
            try:
                cdll = ctypes.CDLL(path)
                where = path
                break
            except OSError as e:
                tried.append("%s (%s): %s" % (path, how, e))
                if how == "TEEATTEST_LIBRARY":
                    break
        if cdll is None:
            raise LibraryLoadError(
                "libteeattest not found; tried " + "; ".join(tried) +
                ". Install libteeattest (it provides %s), or set "
                "TEEATTEST_LIBRARY to the library's path" % SONAME)
        try:
            vfn = cdll.teeattest_version_number
        except AttributeError:
            raise LibraryLoadError("%s is not libteeattest (no "
                                   "teeattest_version_number)" % where)
        vfn.restype = c_uint32
        vfn.argtypes = []
        v = vfn()
        if v // 10000 != MAJOR or v < MIN_VERSION:
            raise LibraryLoadError(
                "%s is libteeattest %d.%d.%d; this package needs %d.x, at "
                "least %d.%d.%d" % (where, v // 10000, v // 100 % 100,
                                    v % 100, MAJOR, MIN_VERSION // 10000,
                                    MIN_VERSION // 100 % 100,
                                    MIN_VERSION % 100))
        _loaded = _Lib(cdll, where)
        return _loaded


def new_error() -> Error:
    err = Error()
    err.struct_size = ctypes.sizeof(Error)
    return err
