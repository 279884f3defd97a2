/*
 * Inclusive C14N 1.1 of a RIM document subset (rim_c14n.h): this library's
 * serializer for the RIM profile, and libxml2's xmlC14NExecute for
 * everything else.
 *
 * Why an own serializer: libxml2's builds a sorted list per element,
 * searches the namespace axis of every ancestor and writes through an
 * output buffer, several times the cost of the parse itself (issue 15, a
 * first RIM verification). Ours renders the same bytes for the profile
 * below in one walk. Anything outside the profile, or that could render
 * differently, is declined before a byte is written, never guessed.
 *
 * What C14N 1.1 renders for an element E of the node set (all of E's
 * ancestors in the set, or none of them: the two subsets of a RIM):
 * - its namespace declarations: at the apex (no ancestor in the set) every
 *   namespace in scope, otherwise those whose binding differs from the one
 *   in scope at E's parent; sorted by prefix, the default first;
 * - its attributes sorted by namespace URI (unqualified first), then local
 *   name; values escaped (& < " TAB LF CR);
 * - text escaped (& < > CR); empty elements as a start and an end tag.
 * The xml:* attribute inheritance and xml:base fixup of 1.1, xmlns="",
 * relative namespace URIs (an error in libxml2), comments, PIs, DTDs,
 * entity references and non-ASCII bytes are outside the profile.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifdef TA_HAVE_LIBXML2

#include <string.h>

#include <libxml/c14n.h>
#include <libxml/parserInternals.h>
#include <libxml/uri.h>
#include <libxml/xmlIO.h>

#include "rim_c14n.h"

#define C14N_MAX_DEPTH 64 /* as ta_rim_parse; each level ~0.8 KB of stack */
#define C14N_MAX_ATTRS 64
#define C14N_MAX_NS 32
#define XML_NS_URI "http://www.w3.org/XML/1998/namespace"

/* ---- the profile ------------------------------------------------------- */

static bool ascii(const xmlChar *s)
{
    if (s)
        for (; *s; s++)
            if (*s >= 0x80)
                return false;
    return true;
}

/* A local name or prefix as libxml2 leaves it in a namespace-well-formed
 * tree: non-empty, ASCII, no colon. */
static bool plain_name(const xmlChar *s)
{
    return s && *s && ascii(s) && !strchr((const char *)s, ':');
}

static bool reserved_prefix(const xmlChar *p)
{
    return p && p[0] == 'x' && (strcmp((const char *)p, "xml") == 0 ||
                                strcmp((const char *)p, "xmlns") == 0);
}

/* A namespace URI both serializers write the same way: printable ASCII
 * without quotes, & < > (libxml2 writes it unescaped), absolute (libxml2
 * fails on a relative one), not the XML namespace. */
static bool plain_href(const xmlChar *h)
{
    if (!h || !*h || xmlStrEqual(h, BAD_CAST XML_NS_URI))
        return false;
    for (const xmlChar *s = h; *s; s++)
        if (*s <= 0x20 || *s >= 0x7f || *s == '"' || *s == '\'' ||
            *s == '&' || *s == '<' || *s == '>')
            return false;
    xmlURIPtr u = xmlParseURI((const char *)h);
    bool ok = u && u->scheme && u->scheme[0];
    xmlFreeURI(u);
    return ok;
}

/* A namespace an element or attribute is in: one the parser found among
 * the declarations (checked with plain_decl() where they stand), or the
 * XML namespace, refused here. */
static bool plain_use(const xmlNs *ns)
{
    return ns->type == XML_NAMESPACE_DECL && !reserved_prefix(ns->prefix) &&
           ns->href && !xmlStrEqual(ns->href, BAD_CAST XML_NS_URI);
}

/* A namespace declaration. */
static bool plain_decl(const xmlNs *ns)
{
    return ns->type == XML_NAMESPACE_DECL &&
           (!ns->prefix || (plain_name(ns->prefix) &&
                            !reserved_prefix(ns->prefix))) &&
           plain_href(ns->href);
}

/* C14N 1.1 treats these names specially (xml:lang, xml:space, xml:base),
 * libxml2 by local name alone: refused in every namespace. */
static bool special_attr(const xmlChar *name)
{
    const char *s = (const char *)name;
    switch (s[0]) {
    case 'l': return strcmp(s, "lang") == 0;
    case 's': return strcmp(s, "space") == 0;
    case 'b': return strcmp(s, "base") == 0;
    default: return false;
    }
}

/* A text node; its content is checked (ASCII) as it is written. */
static bool text_node(const xmlNode *n)
{
    return n->type == XML_TEXT_NODE && n->name == xmlStringText;
}

static bool in_profile(const xmlNode *n, int depth)
{
    if (depth > C14N_MAX_DEPTH)
        return false;
    for (; n; n = n->next) {
        if (n->type == XML_TEXT_NODE) {
            if (!text_node(n))
                return false;
            continue;
        }
        if (n->type != XML_ELEMENT_NODE || !plain_name(n->name))
            return false;
        if (n->ns && !plain_use(n->ns))
            return false;
        size_t k = 0;
        for (const xmlNs *d = n->nsDef; d; d = d->next)
            if (++k > C14N_MAX_NS || !plain_decl(d))
                return false;
        k = 0;
        for (const xmlAttr *a = n->properties; a; a = a->next) {
            if (++k > C14N_MAX_ATTRS || a->type != XML_ATTRIBUTE_NODE ||
                !plain_name(a->name) || special_attr(a->name))
                return false;
            if (a->ns && (!a->ns->prefix || !plain_use(a->ns)))
                return false;
            for (const xmlNode *c = a->children; c; c = c->next)
                if (!text_node(c))
                    return false;
        }
        if (!in_profile(n->children, depth + 1))
            return false;
    }
    return true;
}

static bool doc_in_profile(xmlDocPtr doc, xmlNodePtr target, bool inside)
{
    if (!doc || doc->type != XML_DOCUMENT_NODE || doc->intSubset ||
        doc->extSubset || doc->charset != XML_CHAR_ENCODING_UTF8)
        return false;
    xmlNodePtr root = doc->children;
    if (!root || root != doc->last || root->type != XML_ELEMENT_NODE)
        return false;
    if (target && (target->type != XML_ELEMENT_NODE || target->doc != doc))
        return false;
    if (inside && !target)
        return false;
    return in_profile(root, 0);
}

/* ---- rendering ---------------------------------------------------------- */

#define PUT(b, s, n)                                          \
    do {                                                      \
        int put_rc_ = ta_buf_append((b), (s), (n));           \
        if (put_rc_)                                          \
            return put_rc_;                                   \
    } while (0)
#define PUTS(b, lit) PUT((b), (lit), sizeof(lit) - 1)
#define PUTZ(b, z) PUT((b), (z), strlen((const char *)(z)))

/* Text (attr false) or attribute value (attr true), escaped. A byte
 * above 0x7f (outside the profile) gives TEEATTEST_E_INTERNAL. */
static int put_escaped(ta_buf *b, const xmlChar *s, bool attr)
{
    if (!s)
        return TEEATTEST_OK;
    const xmlChar *run = s;
    for (; *s; s++) {
        const char *rep = NULL;
        if (*s >= 0x80)
            return TEEATTEST_E_INTERNAL;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = attr ? NULL : "&gt;"; break;
        case '"': rep = attr ? "&quot;" : NULL; break;
        case '\t': rep = attr ? "&#x9;" : NULL; break;
        case '\n': rep = attr ? "&#xA;" : NULL; break;
        case '\r': rep = "&#xD;"; break;
        default: break;
        }
        if (!rep)
            continue;
        PUT(b, run, (size_t)(s - run));
        PUTZ(b, rep);
        run = s + 1;
    }
    PUT(b, run, (size_t)(s - run));
    return TEEATTEST_OK;
}

/* The declaration of `prefix` nearest to e (e and its ancestors). */
static const xmlNs *binding(const xmlNode *e, const xmlChar *prefix)
{
    for (; e && e->type == XML_ELEMENT_NODE; e = e->parent)
        for (const xmlNs *d = e->nsDef; d; d = d->next)
            if (xmlStrEqual(d->prefix, prefix))
                return d;
    return NULL;
}

static bool ns_before(const xmlNs *a, const xmlNs *b)
{
    return xmlStrcmp(a->prefix, b->prefix) < 0;
}

static bool attr_before(const xmlAttr *a, const xmlAttr *b)
{
    if (a->ns == b->ns)
        return xmlStrcmp(a->name, b->name) < 0;
    if (!a->ns || !b->ns)
        return !a->ns;
    int r = xmlStrcmp(a->ns->href, b->ns->href);
    return r ? r < 0 : xmlStrcmp(a->name, b->name) < 0;
}

static int put_qname(ta_buf *b, const xmlNs *ns, const xmlChar *name)
{
    if (ns && ns->prefix) {
        PUTZ(b, ns->prefix);
        PUTS(b, ":");
    }
    PUTZ(b, name);
    return TEEATTEST_OK;
}

/* The namespace declarations e renders, sorted. */
static size_t ns_axis(const xmlNode *e, bool apex, const xmlNs **out)
{
    size_t n = 0;
    for (const xmlNode *p = e; p && p->type == XML_ELEMENT_NODE;
         p = apex ? p->parent : NULL) {
        for (const xmlNs *d = p->nsDef; d; d = d->next) {
            if (n == C14N_MAX_NS)
                return SIZE_MAX;
            if (apex) {
                if (binding(e, d->prefix) != d)
                    continue; /* shadowed below */
            } else {
                const xmlNs *up = binding(e->parent, d->prefix);
                if (up && xmlStrEqual(up->href, d->href))
                    continue; /* already in scope */
            }
            size_t i = n++;
            for (; i && ns_before(d, out[i - 1]); i--)
                out[i] = out[i - 1];
            out[i] = d;
        }
    }
    return n;
}

static int put_elem(ta_buf *b, const xmlNode *e, const xmlNode *skip,
                    bool apex, int depth)
{
    const xmlNs *ns[C14N_MAX_NS];
    const xmlAttr *at[C14N_MAX_ATTRS];
    size_t n_ns = ns_axis(e, apex, ns);
    if (n_ns == SIZE_MAX || depth > C14N_MAX_DEPTH)
        return TEEATTEST_E_INTERNAL; /* in_profile() rules this out */
    /* TEEATTEST_E_INTERNAL from here on: non-ASCII text, declined. */
    size_t n_at = 0;
    for (const xmlAttr *a = e->properties; a; a = a->next) {
        if (n_at == C14N_MAX_ATTRS)
            return TEEATTEST_E_INTERNAL;
        size_t i = n_at++;
        for (; i && attr_before(a, at[i - 1]); i--)
            at[i] = at[i - 1];
        at[i] = a;
    }

    int rc;
    PUTS(b, "<");
    if ((rc = put_qname(b, e->ns, e->name)))
        return rc;
    for (size_t i = 0; i < n_ns; i++) {
        PUTS(b, " xmlns");
        if (ns[i]->prefix) {
            PUTS(b, ":");
            PUTZ(b, ns[i]->prefix);
        }
        PUTS(b, "=\"");
        PUTZ(b, ns[i]->href);
        PUTS(b, "\"");
    }
    for (size_t i = 0; i < n_at; i++) {
        PUTS(b, " ");
        if ((rc = put_qname(b, at[i]->ns, at[i]->name)))
            return rc;
        PUTS(b, "=\"");
        for (const xmlNode *c = at[i]->children; c; c = c->next)
            if ((rc = put_escaped(b, c->content, true)))
                return rc;
        PUTS(b, "\"");
    }
    PUTS(b, ">");
    for (const xmlNode *c = e->children; c; c = c->next) {
        if (c == skip)
            continue;
        rc = c->type == XML_TEXT_NODE ? put_escaped(b, c->content, false)
                                      : put_elem(b, c, skip, false, depth + 1);
        if (rc)
            return rc;
    }
    PUTS(b, "</");
    if ((rc = put_qname(b, e->ns, e->name)))
        return rc;
    PUTS(b, ">");
    return TEEATTEST_OK;
}

int ta_rim_c14n_own(xmlDocPtr doc, xmlNodePtr target, bool inside,
                    ta_buf *out)
{
    if (!doc_in_profile(doc, target, inside))
        return TA_RIM_C14N_DECLINED;
    xmlNodePtr root = doc->children;
    if (!inside && target == root)
        return TEEATTEST_OK; /* nothing left */
    int rc = inside ? put_elem(out, target, NULL, true, 0)
                    : put_elem(out, root, target, true, 0);
    if (rc == TEEATTEST_E_INTERNAL) {
        out->len = 0;
        return TA_RIM_C14N_DECLINED;
    }
    return rc;
}

/* ---- libxml2 ------------------------------------------------------------ */

typedef struct c14n_vis {
    xmlNodePtr target;
    bool inside;
} c14n_vis;

/* libxml2 passes namespace and attribute nodes with their element as
 * `parent`; visibility follows the owning element. xmlNs and xmlNode
 * share the offset of `type`, which libxml2 itself relies on. */
static int c14n_visible(void *ud, xmlNodePtr node, xmlNodePtr parent)
{
    const c14n_vis *v = ud;
    if (!node)
        return 0;
    xmlNodePtr e = node;
    if (node->type == XML_NAMESPACE_DECL || node->type == XML_ATTRIBUTE_NODE)
        e = parent;
    bool in = false;
    for (xmlNodePtr p = e; p; p = p->parent)
        if (p == v->target) {
            in = true;
            break;
        }
    return v->inside ? in : !in;
}

typedef struct c14n_sink {
    ta_buf *buf;
    int rc;
} c14n_sink;

static int c14n_write(void *ud, const char *data, int len)
{
    c14n_sink *s = ud;
    if (len < 0)
        s->rc = TEEATTEST_E_INTERNAL;
    else if (!s->rc)
        s->rc = ta_buf_append(s->buf, data, (size_t)len);
    return s->rc ? -1 : len;
}

static int c14n_close(void *ud)
{
    (void)ud;
    return 0;
}

int ta_rim_c14n_libxml2(xmlDocPtr doc, xmlNodePtr target, bool inside,
                        ta_buf *out)
{
    c14n_sink sink = {out, TEEATTEST_OK};
    c14n_vis vis = {target, inside};
    xmlOutputBufferPtr ob = xmlOutputBufferCreateIO(c14n_write, c14n_close,
                                                    &sink, NULL);
    if (!ob)
        return TEEATTEST_E_NOMEM;
    int n = xmlC14NExecute(doc, c14n_visible, &vis, XML_C14N_1_1, NULL, 0,
                           ob);
    int cl = xmlOutputBufferClose(ob);
    if (sink.rc)
        return sink.rc;
    return n < 0 || cl < 0 ? TEEATTEST_E_PARSE : TEEATTEST_OK;
}

int ta_rim_c14n(xmlDocPtr doc, xmlNodePtr target, bool inside, ta_buf *out)
{
    int rc = ta_rim_c14n_own(doc, target, inside, out);
    return rc == TA_RIM_C14N_DECLINED
               ? ta_rim_c14n_libxml2(doc, target, inside, out)
               : rc;
}

#endif /* TA_HAVE_LIBXML2 */
