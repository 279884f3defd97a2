/*
 * The `request` member of a custom transport (custom_transport.c): the
 * library builds each request; this code sends it and reports the status,
 * headers and exact body bytes back. Plain HTTP/1.0 over POSIX sockets (the
 * server closes the connection after the body: no chunked encoding to
 * undo); no TLS and no timeouts, which a real transport (an SDK's own HTTP
 * stack) provides. `user_data`, when not NULL, counts the requests.
 * SPDX-License-Identifier: Apache-2.0
 */
#define _POSIX_C_SOURCE 200809L
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "example.h"

static int send_all(int fd, const void *data, size_t len)
{
    for (ssize_t n; len > 0; data = (const char *)data + n, len -= (size_t)n)
        if ((n = send(fd, data, len, MSG_NOSIGNAL)) <= 0)
            return 0;
    return 1;
}

static int fail(teeattest_http_response *resp, const char *why)
{
    teeattest_http_response_set_error(resp, 0, why);
    return TEEATTEST_E_TRANSPORT;
}

int example_http10(void *user_data, teeattest_http_response *resp,
                  const teeattest_http_request *req)
{
    char host[256], port[6] = "80", head[8192];
    int n = 0, fd = -1, rc;
    struct addrinfo hints = {0}, *ai = NULL;
    if (user_data)
        ++*(size_t *)user_data;
    if (sscanf(req->url, "http://%255[^:/]%n:%5[0-9]%n", host, &n, port,
               &n) < 1)
        return fail(resp, "only http://host[:port]/path URLs");
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &ai) != 0)
        return fail(resp, "cannot resolve host");
    fd = socket(ai->ai_family, SOCK_STREAM, 0);
    rc = fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0;
    freeaddrinfo(ai);
    size_t len = (size_t)snprintf(head, sizeof head,
        "%s %s HTTP/1.0\r\nHost: %s:%s\r\nContent-Length: %zu\r\n", req->method,
        req->url[n] ? req->url + n : "/", host, port, req->body_len);
    for (size_t i = 0; i < req->header_count && len < sizeof head; i++)
        len += (size_t)snprintf(head + len, sizeof head - len, "%s\r\n",
                                req->headers[i]);
    if (rc || len + 2 >= sizeof head || !send_all(fd, head, len) ||
        !send_all(fd, "\r\n", 2) || !send_all(fd, req->body, req->body_len)) {
        if (fd >= 0)
            close(fd);
        return fail(resp, "cannot send the request");
    }
    /* The status line and headers, then the body as it arrives: the
     * library enforces the size limit and streams it to the caller. */
    char buf[16384], *end = NULL;
    size_t have = 0;
    ssize_t got = 0;
    int st = TEEATTEST_OK, code = 0;
    while (!end && have < sizeof buf - 1 &&
           (got = recv(fd, buf + have, sizeof buf - 1 - have, 0)) > 0) {
        buf[have += (size_t)got] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    if (!end || sscanf(buf, "HTTP/%*d.%*d %d", &code) != 1 ||
        teeattest_http_response_set_status(resp, code) != TEEATTEST_OK) {
        close(fd);
        return fail(resp, "no valid HTTP response head");
    }
    for (char *line = strstr(buf, "\r\n") + 2; line < end;
         line = strstr(line, "\r\n") + 2) {
        char *colon = strchr(line, ':'), *eol = strstr(line, "\r\n");
        if (colon && colon < eol &&
            (st = teeattest_http_response_add_header(resp, line,
                     (size_t)(colon - line), colon + 1,
                     (size_t)(eol - colon - 1))) != TEEATTEST_OK)
            break;
    }
    size_t body = (size_t)(end + 4 - buf);
    if (st == TEEATTEST_OK && have > body)
        st = teeattest_http_response_write(resp, (uint8_t *)buf + body,
                                           have - body);
    while (st == TEEATTEST_OK && (got = recv(fd, buf, sizeof buf, 0)) > 0)
        st = teeattest_http_response_write(resp, (uint8_t *)buf, (size_t)got);
    close(fd);
    return st != TEEATTEST_OK ? st : got < 0 ? fail(resp, "recv failed") : 0;
}
