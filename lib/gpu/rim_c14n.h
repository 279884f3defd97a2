/*
 * Inclusive C14N 1.1 (without comments) of a parsed RIM document subset,
 * for the two subsets an NVIDIA RIM signature covers (../shared/specs/
 * nvidia.md section 4.3): the document without its enveloped Signature,
 * and the SignedInfo element. Internal only.
 *
 * ta_rim_c14n_own() is this library's serializer over the libxml2 tree. It
 * handles one profile only, the one RIMs use: a document holding nothing
 * but its root element, elements, attributes and text, ASCII only, no
 * xml:* attribute (nor any attribute named lang, space or base), no empty
 * or unusual namespace URI, no xml/xmlns prefix. For any tree outside it
 * it renders nothing and answers TA_RIM_C14N_DECLINED, and the caller uses
 * ta_rim_c14n_libxml2() (libxml2's xmlC14NExecute), whose output is the
 * reference: inside the profile both are byte-identical (tests/unit/
 * test_rim_c14n.c, tests/fuzz/fuzz_rim_c14n.c). ta_rim_c14n() does both.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_GPU_RIM_C14N_H
#define TA_GPU_RIM_C14N_H

#ifdef TA_HAVE_LIBXML2

#include <stdbool.h>

#include <libxml/tree.h>

#include "../core/core.h"

/* ta_rim_c14n_own(): the tree is outside the profile, nothing rendered. */
#define TA_RIM_C14N_DECLINED 1

/* The node set: with inside, `target` and its descendants (a document
 * subset, SignedInfo); without, every node of the document except
 * `target` and its descendants (NULL: the whole document). The canonical
 * bytes are appended to `out`, which must be empty. Returns TEEATTEST_OK,
 * TA_RIM_C14N_DECLINED (out left empty), or the error of ta_buf_append. */
int ta_rim_c14n_own(xmlDocPtr doc, xmlNodePtr target, bool inside,
                    ta_buf *out);

/* The same node set through xmlC14NExecute (XML_C14N_1_1, no comments):
 * TEEATTEST_OK, TEEATTEST_E_PARSE when libxml2 fails, or the error of
 * ta_buf_append (out then holds what was written before). */
int ta_rim_c14n_libxml2(xmlDocPtr doc, xmlNodePtr target, bool inside,
                        ta_buf *out);

/* Ours when the tree is inside the profile, else libxml2's. */
int ta_rim_c14n(xmlDocPtr doc, xmlNodePtr target, bool inside, ta_buf *out);

#endif /* TA_HAVE_LIBXML2 */

#endif
