/**
 * @file
 * libteeattest: verify that answers from confidential-AI APIs come from an
 * attested TEE. Umbrella header: include this one.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TEEATTEST_TEEATTEST_H
#define TEEATTEST_TEEATTEST_H

#include "teeattest/common.h"
#include "teeattest/version.h"
#include "teeattest/status.h"
#include "teeattest/backend.h"
#include "teeattest/context.h"
#include "teeattest/policy.h"
#include "teeattest/result.h"
#include "teeattest/signature.h"
#include "teeattest/provider.h"
#include "teeattest/tdx.h"
#include "teeattest/gpu.h"
#include "teeattest/attest.h"
#include "teeattest/bundle.h"
#include "teeattest/encoding.h"
#include "teeattest/aci.h"
#include "teeattest/sigstore.h"
#include "teeattest/e2ee.h"

#endif /* TEEATTEST_TEEATTEST_H */
