/*
 * The RIM canonicalizer (lib/gpu/rim_c14n.c) against libxml2's
 * xmlC14NExecute on the same parsed tree: every fixture RIM (both signed
 * subsets must be rendered by ours, byte-identical), then systematic
 * mutations of a real RIM and small documents for the namespace and
 * escaping rules. For every document, every element is tried as the
 * excluded subtree and as the apex of a subset; wherever ours renders, the
 * bytes must equal libxml2's; documents outside the profile must be
 * declined (and ta_rim_c14n() then gives libxml2's bytes).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "unit.h"

#ifdef TA_HAVE_LIBXML2

#include <libxml/parser.h>

#include "gpu/rim_c14n.h"

static teeattest_ctx *ctx;

/* Parsed with ta_rim_parse()'s options. */
static xmlDocPtr parse(const char *x, size_t n)
{
    return xmlReadMemory(x, (int)n, NULL, "UTF-8",
                         XML_PARSE_NONET | XML_PARSE_NOERROR |
                         XML_PARSE_NOWARNING | XML_PARSE_COMPACT);
}

typedef struct tally {
    int own, declined, differ;
} tally;

/* One node set through both; 1 ours rendered, 0 declined, -1 differs. */
static int one_set(xmlDocPtr doc, xmlNodePtr target, bool inside, tally *t)
{
    ta_buf a, b;
    ta_buf_init(&a, ctx, 0);
    ta_buf_init(&b, ctx, 0);
    int ra = ta_rim_c14n_own(doc, target, inside, &a);
    int rb = ta_rim_c14n_libxml2(doc, target, inside, &b);
    int r;
    if (ra == TA_RIM_C14N_DECLINED) {
        r = a.len == 0 ? 0 : -1;
        t->declined++;
    } else if (ra == TEEATTEST_OK && rb == TEEATTEST_OK && a.len == b.len &&
               (!a.len || memcmp(a.data, b.data, a.len) == 0)) {
        r = 1;
        t->own++;
    } else {
        r = -1;
        t->differ++;
        printf("# differs (own %d, libxml2 %d, %zu vs %zu bytes) on %s%s\n",
               ra, rb, a.len, b.len, inside ? "inside " : "without ",
               target ? (const char *)target->name : "(nothing)");
        if (ta_buf_terminate(&a) == 0 && ta_buf_terminate(&b) == 0) {
            size_t k = 0;
            while (k < a.len && k < b.len && a.data[k] == b.data[k])
                k++;
            size_t from = k > 80 ? k - 80 : 0;
            printf("# own: %.200s\n# lx2: %.200s\n", a.data + from,
                   b.data + from);
        }
    }
    /* ta_rim_c14n(): ours, or libxml2's when declined. */
    ta_buf c;
    ta_buf_init(&c, ctx, 0);
    int rc = ta_rim_c14n(doc, target, inside, &c);
    if (rc != rb || (rc == 0 && (c.len != b.len ||
                                 (c.len && memcmp(c.data, b.data, c.len)))))
        r = -1, t->differ++;
    ta_buf_free(&a);
    ta_buf_free(&b);
    ta_buf_free(&c);
    return r;
}

static void every_set(xmlDocPtr doc, xmlNodePtr n, tally *t)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        one_set(doc, n, true, t);
        one_set(doc, n, false, t);
        every_set(doc, n->children, t);
    }
}

/* Every node set of a document; returns the tally. */
static tally all_sets(const char *x, size_t n)
{
    tally t = {0, 0, 0};
    xmlDocPtr doc = parse(x, n);
    if (!doc) {
        t.declined = -1; /* not well-formed */
        return t;
    }
    one_set(doc, NULL, false, &t);
    every_set(doc, doc->children, &t);
    xmlFreeDoc(doc);
    return t;
}

static xmlNodePtr last_elem(xmlNodePtr n)
{
    xmlNodePtr e = NULL;
    for (; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE)
            e = n;
    return e;
}

static xmlNodePtr first_elem(xmlNodePtr n)
{
    for (; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE)
            return n;
    return NULL;
}

static const char *const fixture_rims[] = {
    "nvidia/h100_580.159.03_sdk/vbios_rim.xml",
    "nvidia/rim_standalone/driver_rim_bad_signature.xml",
    "nvidia/rim_standalone/driver_rim_550.144.03_valid.xml",
    "nvidia/rim_standalone/driver_rim_570.124.03_tampered_expired.xml",
    "nvidia/rim_standalone/rim_untrusted_debug_root.xml",
    "nvidia/h100_550.90.07_full/driver_rim.xml",
    "nvidia/h100_550.90.07_full/vbios_rim.xml",
    "nvidia/h100_535.86.09_sdk/vbios_rim_index9_differs.xml",
    "nvidia/h100_535.86.09_sdk/driver_rim_tampered.xml",
    "nvidia/h100_535.86.09_sdk/vbios_rim.xml",
    "nvidia/h100_545.00_nvtrust2023/driver_rim.xml",
    "nvidia/h100_545.00_nvtrust2023/vbios_rim.xml",
};

/* The two subsets a RIM signature covers are ours, identical; so is
 * every other node set of the document. */
static void test_fixtures(void)
{
    for (size_t i = 0; i < TA_ARRAY_LEN(fixture_rims); i++) {
        size_t n = 0;
        char *x = (char *)unit_fixture(fixture_rims[i], &n);
        xmlDocPtr doc = parse(x, n);
        CHECK(doc != NULL);
        if (!doc) {
            free(x);
            continue;
        }
        xmlNodePtr sig = last_elem(xmlDocGetRootElement(doc)->children);
        xmlNodePtr si = sig ? first_elem(sig->children) : NULL;
        tally t = {0, 0, 0};
        int doc_set = one_set(doc, sig, false, &t);
        int si_set = one_set(doc, si, true, &t);
        xmlFreeDoc(doc);
        t = all_sets(x, n);
        ta_test_check(doc_set == 1 && si_set == 1 && t.differ == 0 &&
                      t.declined == 0 && t.own > 100,
                      fixture_rims[i], __FILE__, __LINE__);
        free(x);
    }
}

/* Replace the first occurrence of `from` in base by `to`. */
static char *mutate(const char *base, const char *from, const char *to)
{
    const char *at = strstr(base, from);
    if (!at)
        return NULL;
    size_t n = strlen(base), f = strlen(from), t = strlen(to);
    char *out = malloc(n - f + t + 1);
    if (!out)
        return NULL;
    memcpy(out, base, (size_t)(at - base));
    memcpy(out + (at - base), to, t);
    memcpy(out + (at - base) + t, at + f, n - (size_t)(at - base) - f + 1);
    return out;
}

enum { OUT, IN, SOME };

static const struct {
    const char *what, *from, *to;
    int profile; /* IN: all rendered by ours; OUT: all declined; SOME:
                    declined where the node set holds the offending part */
} mutations[] = {
    {"attribute order", "corpus=\"false\" name=\"GH100\"",
     "name=\"GH100\" corpus=\"false\"", IN},
    {"namespace redeclared, same URI", "<ns0:Entity ",
     "<ns0:Entity xmlns:ns0=\"http://standards.iso.org/iso/19770/-2/2015/"
     "schema.xsd\" ", IN},
    {"prefix rebound", "<ns0:Entity ", "<ns0:Entity xmlns:ns2=\"urn:other\" ",
     IN},
    {"unused namespace", "<ns0:Meta ", "<ns0:Meta xmlns:zz=\"urn:unused\" ",
     IN},
    {"default namespace changed", "<ns0:Entity ",
     "<ns0:Entity xmlns=\"urn:x:other\" ", IN},
    {"default namespace repeated", "<ns0:Payload ",
     "<ns0:Payload xmlns=\"http://standards.iso.org/iso/19770/-2/2015/"
     "schema.xsd\" ", IN},
    {"attributes sorted by URI, not prefix", "<ns0:Entity ",
     "<ns0:Entity xmlns:aa=\"urn:z\" aa:x=\"1\" xmlns:zz=\"urn:a\" zz:y=\"2\" "
     "b=\"3\" a=\"4\" ", IN},
    {"escapes in an attribute", "name=\"NVIDIA Corporation\"",
     "name='A&amp;B &lt;c> \"q\" &#9;t&#10;n&#13;r &#x26;'", IN},
    {"literal TAB and LF in an attribute",
     "role=\"softwareCreator tagCreator\"",
     "role=\"a\tb\nc\r\nd\"", IN},
    {"escapes in text", "/>\n    <ns0:Meta",
     "/>\n  a&amp;b&lt;c&gt;d>\r\n&#13;e \"' \t&#x9;  <ns0:Meta", IN},
    {"whitespace inside tags", "<ns0:Entity name=",
     "<ns0:Entity \n\t name  =  ", IN},
    {"start and end tag", "role=\"softwareCreator tagCreator\"/>",
     "role=\"softwareCreator tagCreator\"></ns0:Entity  >", IN},
    {"nested element with its own namespaces", "<ns0:Entity ",
     "<p:x xmlns:p=\"urn:p\" xmlns:q=\"urn:q\" q:a=\"1\" p:b=\"2\"><p:y "
     "xmlns:p=\"urn:p2\" p:c=\"3\">t</p:y><q:z xmlns:q=\"urn:q\"/></p:x>"
     "<ns0:Entity ", IN},
    {"xml:lang", "<ns0:Entity ", "<ns0:Entity xml:lang=\"en\" ", OUT},
    {"attribute named lang", "<ns0:Entity ", "<ns0:Entity lang=\"en\" ", OUT},
    {"attribute named base", "<ns0:Entity ", "<ns0:Entity base=\"x\" ", OUT},
    {"xml:space on the root", "<SoftwareIdentity ",
     "<SoftwareIdentity xml:space=\"preserve\" ", OUT},
    {"xmlns=\"\"", "<ns0:Entity ", "<ns0:Entity xmlns=\"\" ", OUT},
    {"xml prefix declared (libxml2 keeps no declaration)", "<ns0:Entity ",
     "<ns0:Entity xmlns:xml=\"http://www.w3.org/XML/1998/namespace\" ", IN},
    {"comment", "<ns0:Meta ", "<!-- c --><ns0:Meta ", OUT},
    {"processing instruction", "<ns0:Meta ", "<?pi x?><ns0:Meta ", OUT},
    {"CDATA", "<ns0:Meta ", "<![CDATA[a<b]]><ns0:Meta ", OUT},
    {"non-ASCII text", "<ns0:Meta ", "\xc3\xa9<ns0:Meta ", SOME},
    {"non-ASCII attribute", "name=\"NVIDIA Corporation\"",
     "name=\"NVIDIA \xc3\xa9\"", SOME},
    {"relative namespace URI", "<ns0:Meta ", "<ns0:Meta xmlns:r=\"rel/x\" ",
     OUT},
    {"quote in a namespace URI", "<ns0:Meta ",
     "<ns0:Meta xmlns:r='urn:a\"b' ", OUT},
    {"ampersand in a namespace URI", "<ns0:Meta ",
     "<ns0:Meta xmlns:r=\"urn:a&amp;b\" ", OUT},
    {"DOCTYPE", "<SoftwareIdentity ",
     "<!DOCTYPE SoftwareIdentity [<!ATTLIST x y CDATA \"z\">]>"
     "<SoftwareIdentity ", OUT},
};

static void test_mutations(void)
{
    size_t n = 0;
    uint8_t *raw = unit_fixture("nvidia/h100_550.90.07_full/driver_rim.xml",
                                &n);
    char *base = malloc(n + 1);
    CHECK(base != NULL);
    memcpy(base, raw, n);
    base[n] = 0;
    free(raw);
    for (size_t i = 0; i < TA_ARRAY_LEN(mutations); i++) {
        char *x = mutate(base, mutations[i].from, mutations[i].to);
        if (!x) {
            ta_test_check(0, mutations[i].what, __FILE__, __LINE__);
            continue;
        }
        tally t = all_sets(x, strlen(x));
        int p = mutations[i].profile;
        bool ok = t.differ == 0 &&
                  (p == IN    ? t.own > 100 && !t.declined
                   : p == OUT ? !t.own && t.declined > 0
                              : t.own > 0 && t.declined > 0);
        if (!ok)
            printf("# %s: own %d declined %d differ %d\n", mutations[i].what,
                   t.own, t.declined, t.differ);
        ta_test_check(ok, mutations[i].what, __FILE__, __LINE__);
        free(x);
    }

    /* CR LF line ends everywhere (the parser makes them LF). */
    size_t crlf_len = 0;
    char *crlf = malloc(2 * n + 1);
    CHECK(crlf != NULL);
    for (size_t i = 0; i < n; i++) {
        if (base[i] == '\n')
            crlf[crlf_len++] = '\r';
        crlf[crlf_len++] = base[i];
    }
    tally t = all_sets(crlf, crlf_len);
    CHECK(t.differ == 0 && t.own > 100 && !t.declined);
    free(crlf);
    free(base);
}

/* Small documents for the namespace axis and escaping rules. */
static void test_small(void)
{
    static const struct {
        const char *xml;
        int profile;
    } docs[] = {
        {"<a/>", IN},
        {"<a xmlns=\"urn:a\" xmlns:p=\"urn:p\"><p:b xmlns:p=\"urn:q\" "
         "p:at=\"1\" at=\"2\"><c xmlns=\"urn:a\"/><d xmlns:p=\"urn:p\">"
         "<p:e/></d></p:b><f xmlns=\"urn:f\"><g xmlns=\"urn:a\"/></f></a>",
         IN},
        {"<p:a xmlns:p=\"urn:p\" xmlns:z=\"urn:z\" xmlns:b=\"urn:b\" "
         "xmlns=\"urn:d\" z:k=\"1\" b:k=\"2\" k=\"3\" p:k=\"4\"><x>&lt;&amp;"
         "&gt;</x><x y=\"&lt;&amp;&gt;&quot;'\"/></p:a>", IN},
        {"<a>\n  <b> text\t</b>\n  <c/>\n</a>\n", IN},
        {"<a xmlns:p=\"urn:p\"><b xmlns:p=\"urn:p\"><p:c xmlns:p=\"urn:p\"/>"
         "</b></a>", IN},
        {"<a xmlns=\"urn:a\"><b xmlns=\"\"/></a>", OUT},
        {"<a xmlns:p=\"p\"/>", OUT},
        {"<a xml:base=\"http://x/\"><b/></a>", OUT},
        {"<a><b space=\"1\"/></a>", OUT},
        {"<?xml version=\"1.0\"?><a/><!-- after -->", OUT},
        {"<a>&#x10000;</a>", SOME},
    };
    for (size_t i = 0; i < TA_ARRAY_LEN(docs); i++) {
        tally t = all_sets(docs[i].xml, strlen(docs[i].xml));
        int p = docs[i].profile;
        bool ok = t.differ == 0 && t.declined >= 0 &&
                  (p == IN    ? t.own > 0 && !t.declined
                   : p == OUT ? !t.own && t.declined > 0
                              : t.own > 0 && t.declined > 0);
        if (!ok)
            printf("# own %d declined %d differ %d\n", t.own, t.declined,
                   t.differ);
        char name[48];
        snprintf(name, sizeof name, "small document %zu", i);
        ta_test_check(ok, name, __FILE__, __LINE__);
    }
}

static void quiet(void *ud, const char *fmt, ...)
{
    (void)ud;
    (void)fmt;
}

int main(void)
{
    if (teeattest_ctx_new(&ctx, NULL, NULL) != TEEATTEST_OK) {
        printf("Bail out! no context\n");
        return 1;
    }
    xmlInitParser();
    xmlSetGenericErrorFunc(NULL, quiet); /* C14N errors are expected */
    test_fixtures();
    test_mutations();
    test_small();
    teeattest_ctx_free(ctx);
    return ta_test_done();
}

#else

int main(void)
{
    printf("# built without libxml2: nothing to compare\n");
    return ta_test_done();
}

#endif
