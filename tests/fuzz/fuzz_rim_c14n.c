/*
 * Fuzz target: the RIM canonicalizer (internal lib/gpu/rim_c14n.h) against
 * libxml2's xmlC14NExecute on the same tree. The input is an XML document,
 * parsed with ta_rim_parse()'s options (none of its profile checks: DTDs,
 * comments, PIs, CDATA and entity references reach the serializers).
 * Node sets: the whole document, then for every element (up to 64, in
 * document order) the document without it and its subtree alone.
 *
 * Invariants (abort on violation): wherever ta_rim_c14n_own() renders, the
 * bytes equal libxml2's and libxml2 succeeds; when it declines it leaves
 * the buffer empty; ta_rim_c14n() gives libxml2's answer; the counting
 * allocator has no block left.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "fuzz.h"

#ifdef TA_HAVE_LIBXML2

#include <libxml/parser.h>

#include "gpu/rim_c14n.h"

static void quiet(void *ud, const char *fmt, ...)
{
    (void)ud;
    (void)fmt;
}

static void one_set(teeattest_ctx *ctx, xmlDocPtr doc, xmlNodePtr target,
                    bool inside)
{
    ta_buf a, b, c;
    ta_buf_init(&a, ctx, 0);
    ta_buf_init(&b, ctx, 0);
    ta_buf_init(&c, ctx, 0);
    int ra = ta_rim_c14n_own(doc, target, inside, &a);
    int rb = ta_rim_c14n_libxml2(doc, target, inside, &b);
    int rc = ta_rim_c14n(doc, target, inside, &c);
    if (ra == TA_RIM_C14N_DECLINED) {
        FUZZ_CHECK(a.len == 0);
    } else {
        FUZZ_CHECK(ra == TEEATTEST_OK && rb == TEEATTEST_OK);
        FUZZ_CHECK(a.len == b.len &&
                   (!a.len || memcmp(a.data, b.data, a.len) == 0));
    }
    FUZZ_CHECK(rc == rb);
    FUZZ_CHECK(rc || (c.len == b.len &&
                      (!c.len || memcmp(c.data, b.data, c.len) == 0)));
    ta_buf_free(&a);
    ta_buf_free(&b);
    ta_buf_free(&c);
}

static void every_set(teeattest_ctx *ctx, xmlDocPtr doc, xmlNodePtr n,
                      int *budget, int depth)
{
    for (; n && *budget > 0 && depth < 80; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        (*budget)--;
        one_set(ctx, doc, n, true);
        one_set(ctx, doc, n, false);
        every_set(ctx, doc, n->children, budget, depth + 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    static bool init;
    if (!init) {
        xmlInitParser();
        xmlSetGenericErrorFunc(NULL, quiet);
        init = true;
    }
    fuzz_heap heap;
    teeattest_ctx *ctx = fuzz_ctx_new(&heap);
    xmlDocPtr doc = xmlReadMemory((const char *)data, (int)size, NULL,
                                  "UTF-8",
                                  XML_PARSE_NONET | XML_PARSE_NOERROR |
                                  XML_PARSE_NOWARNING | XML_PARSE_COMPACT);
    if (doc) {
        int budget = 64;
        one_set(ctx, doc, NULL, false);
        every_set(ctx, doc, doc->children, &budget, 0);
        xmlFreeDoc(doc);
    }
    fuzz_ctx_done(ctx, &heap);
    return 0;
}

#else /* !TA_HAVE_LIBXML2: no canonicalizer to compare */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)data;
    (void)size;
    return 0;
}

#endif
