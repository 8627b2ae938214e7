/* server.h - the hub's HTTP server: TAXII 2.1 under /taxii2/, the JSON API under /api/v1/,
 * /healthz and /metrics, on libmicrohttpd.
 *
 * Lifecycle: pi_server_start (listening, threads running) -> pi_server_stop (no new
 * connections, in-flight requests finish, memory released). The store outlives the server.
 */
#ifndef PI_HTTP_SERVER_H
#define PI_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "store/store.h"

struct pi_server_config {
	char host[128];          /* address to listen on: 127.0.0.1, ::1, 0.0.0.0 */
	int port;                /* 0 picks a free port (see pi_server_port) */
	int threads;             /* worker threads */
	size_t max_content_length; /* largest request body, advertised in the API root */
	char public_url[512];    /* base URL in discovery; empty: taken from the request Host */
	int anonymous_read;      /* let requests without credentials read TLP:CLEAR */
	char title[128];
	char contact[256];
	int page_max;            /* largest TAXII page (limit) */
	char tls_cert[512];      /* PEM files; both empty: plain HTTP */
	char tls_key[512];
};

typedef struct pi_server pi_server;

/* Starts listening. *out is released with pi_server_stop. */
pi_status pi_server_start(const struct pi_server_config *cfg, pi_store *store, pi_server **out,
	struct pi_error *err);
/* The port actually bound (useful when cfg->port was 0). */
int pi_server_port(const pi_server *server);
void pi_server_stop(pi_server *server);

/* Fills cfg with the defaults. */
void pi_server_config_defaults(struct pi_server_config *cfg);

#endif
