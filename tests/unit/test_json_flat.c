/*
 * ta_json_flat_scan(), the fast path for plain signature records: it may
 * decline any document, but what it accepts must mean exactly what jansson
 * (the full parser) makes of it. Checked on hand-written cases and on the
 * real signature records with every single-byte change, deletion and
 * truncation.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <jansson.h>

#include "unit.h"

static size_t disagreements, accepted;

/* 1 when the scan and jansson agree on `doc` (or the scan declined). */
static int agrees(const uint8_t *doc, size_t len)
{
    ta_json_member m[16];
    int n = ta_json_flat_scan(doc, len, m, 16);
    if (n < 0)
        return 1;
    accepted++;
    json_t *root = json_loadb((const char *)doc, len, JSON_REJECT_DUPLICATES,
                              NULL);
    int ok = root && json_is_object(root) && json_object_size(root) == (size_t)n;
    for (int i = 0; ok && i < n; i++) {
        char key[256];
        if (m[i].key_len >= sizeof key) {
            ok = 0;
            break;
        }
        memcpy(key, m[i].key, m[i].key_len);
        key[m[i].key_len] = '\0';
        json_t *v = json_object_get(root, key);
        ok = json_is_string(v) && json_string_length(v) == m[i].val_len &&
             memcmp(json_string_value(v), m[i].val, m[i].val_len) == 0;
    }
    json_decref(root);
    if (!ok)
        disagreements++;
    return ok;
}

static int scan(const char *doc)
{
    ta_json_member m[4];
    return ta_json_flat_scan((const uint8_t *)doc, strlen(doc), m, 4);
}

static void test_cases(void)
{
    CHECK_EQ_INT(scan("{}"), 0);
    CHECK_EQ_INT(scan(" \t\r\n{ } \n"), 0);
    CHECK_EQ_INT(scan("{\"a\":\"b\"}"), 1);
    CHECK_EQ_INT(scan("{ \"a\" : \"b\" , \"c\":\"\" }"), 2);
    /* Declined: the full parser decides (and reports) these. */
    CHECK_EQ_INT(scan(""), -1);
    CHECK_EQ_INT(scan("{"), -1);
    CHECK_EQ_INT(scan("{\"a\":\"b\""), -1);
    CHECK_EQ_INT(scan("{\"a\":\"b\"}x"), -1);
    CHECK_EQ_INT(scan("{\"a\":\"b\",}"), -1);
    CHECK_EQ_INT(scan("{,}"), -1);
    CHECK_EQ_INT(scan("{\"a\" \"b\"}"), -1);
    CHECK_EQ_INT(scan("{\"a\":\"b\" \"c\":\"d\"}"), -1);
    CHECK_EQ_INT(scan("{\"a\":\"b\",\"a\":\"c\"}"), -1);  /* duplicate */
    CHECK_EQ_INT(scan("{\"a\":\"\\u0041\"}"), -1);         /* escape */
    CHECK_EQ_INT(scan("{\"a\":1}"), -1);
    CHECK_EQ_INT(scan("{\"a\":null}"), -1);
    CHECK_EQ_INT(scan("{\"a\":{}}"), -1);
    CHECK_EQ_INT(scan("{\"a\":\"\xc3\xa9\"}"), -1);        /* non-ASCII */
    CHECK_EQ_INT(scan("{\"a\":\"tab\there\"}"), -1);       /* control */
    CHECK_EQ_INT(scan("[\"a\"]"), -1);
    CHECK_EQ_INT(scan("{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\",\"d\":\"4\",\"e\":\"5\"}"),
                 -1); /* more members than the caller allows */
    CHECK_EQ_INT(scan("\xef\xbb\xbf{}"), -1);               /* BOM */
}

static void mutate(const char *rel)
{
    size_t len;
    uint8_t *doc = unit_fixture(rel, &len);
    CHECK(agrees(doc, len));
    /* the unmodified record takes the fast path */
    CHECK(ta_json_flat_scan(doc, len, (ta_json_member[16]){{0}}, 16) >= 2);
    static const uint8_t subst[] = {'"', '\\', ',', ':', '{', '}', ' ', 'a',
                                    '\0', 0x80, '\n', 0x7f};
    uint8_t *buf = malloc(len);
    for (size_t i = 0; i < len; i++) {
        for (size_t k = 0; k < sizeof subst; k++) {
            memcpy(buf, doc, len);
            buf[i] = subst[k];
            agrees(buf, len);
        }
        /* deletion of byte i, and truncation before it */
        memcpy(buf, doc, i);
        memcpy(buf + i, doc + i + 1, len - i - 1);
        agrees(buf, len - 1);
        agrees(doc, i);
    }
    free(buf);
    free(doc);
}

/* ta_json_put_string, the one JSON string writer (results, bundles,
 * report_data JSON, signature records): every byte 0..255 as the writers
 * it replaced wrote it, and jansson reads ASCII back byte for byte. */
static void json_writer(void)
{
    teeattest_ctx *ctx = unit_ctx();
    size_t bad = 0;
    for (unsigned c = 0; c < 256; c++) {
        char in[3] = {'a', (char)c, 'z'}, want[16];
        const char *sh = c == '\b' ? "\\b" : c == '\f' ? "\\f"
                       : c == '\n' ? "\\n" : c == '\r' ? "\\r"
                       : c == '\t' ? "\\t" : NULL;
        for (unsigned flags = 0; flags <= TA_JSON_ESC_U_ONLY; flags++) {
            if (c == '"' || c == '\\')
                snprintf(want, sizeof want, "\"a\\%cz\"", (char)c);
            else if (sh && !flags)
                snprintf(want, sizeof want, "\"a%sz\"", sh);
            else if (c < 0x20)
                snprintf(want, sizeof want, "\"a\\u%04xz\"", c);
            else
                snprintf(want, sizeof want, "\"a%cz\"", (char)c);
            ta_buf b;
            ta_buf_init(&b, ctx, 0);
            int rc = ta_json_put_string(&b, in, 3, flags);
            if (rc || b.len != strlen(want) || memcmp(b.data, want, b.len))
                bad++;
            if (!rc && c && c < 0x80) {
                json_t *v = json_loadb((const char *)b.data, b.len,
                                       JSON_DECODE_ANY, NULL);
                if (!json_is_string(v) || json_string_length(v) != 3 ||
                    memcmp(json_string_value(v), in, 3))
                    bad++;
                json_decref(v);
            }
            ta_buf_free(&b);
        }
    }
    CHECK_EQ_INT(bad, 0);
    teeattest_ctx_free(ctx);
}

int main(void)
{
    json_writer();
    test_cases();
    mutate("providers/real_signatures/nearai_cloud_2025_stream/signature_response.json");
    mutate("providers/real_signatures/phala_inference_api_2024_stream/signature_response.json");
    printf("# %zu mutated documents accepted by the fast path\n", accepted);
    CHECK(accepted > 100);
    CHECK_EQ_INT(disagreements, 0);
    return ta_test_done();
}
