/* api_routes.c - the route tables of /api/v1/, one line per subsystem. */
#include "http/http_int.h"

const struct pi_api_table pi_api_tables[] = {
	{pi_api_admin_routes, &pi_api_admin_nroutes},
	{pi_api_cases_routes, &pi_api_cases_nroutes},
	{pi_api_intel_routes, &pi_api_intel_nroutes},
	{pi_api_feeds_routes, &pi_api_feeds_nroutes},
	{pi_api_web_routes, &pi_api_web_nroutes},
	{pi_api_import_routes, &pi_api_import_nroutes},
};
const size_t pi_api_ntables = sizeof(pi_api_tables) / sizeof(pi_api_tables[0]);
