#include "intel/ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/pattern.h"
#include "core/stix.h"
#include "core/stixmeta.h"
#include "intel/lookup.h"
#include "intel/warninglist.h"
#include "store/store_intel.h"

#define RECIPIENTS_MAX 4096
#define DETAILS_CAP ((size_t)256 << 20)

struct marking_ctx {
	pi_store *store;
	const cJSON *batch; /* marking definitions earlier in the same batch count */
};

static int marking_known(void *arg, const char *id)
{
	struct marking_ctx *m = arg;
	const cJSON *o;

	cJSON_ArrayForEach(o, m->batch)
	{
		const char *oid = pi_json_get_string(o, "id");
		const char *type = pi_json_get_string(o, "type");
		if (oid && type && strcmp(type, "marking-definition") == 0 && strcmp(oid, id) == 0)
			return 1;
	}
	return pi_store_marking_known(m->store, id);
}

/* x_postisac_recipients: identity ids of member organisations and users who may see an
 * AMBER, AMBER+STRICT or RED object. Writes the compact "o1,u7" form into out. */
static pi_status map_recipients(pi_store *store, const cJSON *obj, const char *id, enum pi_tlp tlp,
	char *out, size_t size, struct pi_error *err)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(obj, "x_postisac_recipients");
	const cJSON *r;
	size_t used = 0;

	out[0] = '\0';
	if (!list)
		return PI_OK;
	if (!cJSON_IsArray(list))
		return pi_error_set(err, PI_ERR_INVALID,
			"%s: x_postisac_recipients: must be a list of identity ids of member organisations or users",
			id);
	cJSON_ArrayForEach(r, list)
	{
		char kind;
		int64_t rid;
		int n;
		if (!cJSON_IsString(r) ||
			pi_store_identity_find(store, r->valuestring, &kind, &rid, err) != PI_OK)
			return pi_error_set(err, PI_ERR_INVALID,
				"%s: x_postisac_recipients: '%.80s' is not the identity id of a member organisation or user of this hub",
				id, cJSON_IsString(r) ? r->valuestring : "(not a string)");
		n = snprintf(out + used, size - used, "%s%c%lld", used ? "," : "", kind, (long long)rid);
		if (n < 0 || (size_t)n >= size - used)
			return pi_error_set(err, PI_ERR_TOOBIG,
				"%s: x_postisac_recipients: too many recipients", id);
		used += (size_t)n;
	}
	if (tlp == PI_TLP_RED && strchr(out, 'o'))
		return pi_error_set(err, PI_ERR_INVALID,
			"%s: x_postisac_recipients: TLP:RED goes to named individuals only; list user identities, not organisations",
			id);
	return PI_OK;
}

struct pending {
	const char *id;
	const char *version;
	char *body;
	char *recipients; /* NULL unless the object names recipients */
	char version_key[PI_TIME_KEY_LEN];
	struct pi_object_in in;
	struct pi_intel_doc doc; /* what the observable index keeps (intel/lookup.h) */
};

static void status_item(struct pi_buf *b, int *n, const char *id, const char *version,
	const char *msg)
{
	if ((*n)++)
		pi_buf_putc(b, ',');
	pi_buf_puts(b, "{\"id\":");
	pi_buf_json_string(b, id ? id : "");
	if (version) {
		pi_buf_puts(b, ",\"version\":");
		pi_buf_json_string(b, version);
	}
	if (msg) {
		pi_buf_puts(b, ",\"message\":");
		pi_buf_json_string(b, msg);
	}
	pi_buf_putc(b, '}');
}

/* Validates one object and prepares it for the store. Returns PI_OK or an error in err. */
static pi_status prepare(pi_store *store, const cJSON *obj, const struct pi_stix_options *vopt,
	struct pending *p, struct pi_error *err)
{
	struct pi_stix_meta meta;
	pi_pattern *parsed = NULL;
	pi_status ret = PI_ERR_INVALID;

	if (pi_stix_meta_read(obj, &meta, err) != PI_OK || pi_stix_validate(obj, vopt, err) != PI_OK)
		return PI_ERR_INVALID;
	p->id = meta.id;
	p->version = meta.version;
	if (strcmp(meta.type, "indicator") == 0) {
		const char *ptype = pi_json_get_string(obj, "pattern_type");
		const char *pat = pi_json_get_string(obj, "pattern");
		if (ptype && pat && strcmp(ptype, "stix") == 0 &&
			pi_pattern_parse_ex(pat, strlen(pat), PI_PATTERN_STRICT_TIMES, &parsed, err) !=
				PI_OK) {
			pi_error_prefix(err, "%s: pattern", meta.id);
			return PI_ERR_INVALID;
		}
	}
	p->in.tlp = pi_tlp_of_object(obj);
	if (cJSON_GetObjectItemCaseSensitive(obj, "x_postisac_recipients")) {
		p->recipients = malloc(RECIPIENTS_MAX);
		if (!p->recipients) {
			ret = pi_error_set(err, PI_ERR_NOMEM, "%s: out of memory", meta.id);
			goto out;
		}
		if (map_recipients(store, obj, meta.id, p->in.tlp, p->recipients, RECIPIENTS_MAX,
			    err) != PI_OK)
			goto out;
	}
	p->body = cJSON_PrintUnformatted(obj);
	if (!p->body) {
		ret = pi_error_set(err, PI_ERR_NOMEM, "%s: out of memory", meta.id);
		goto out;
	}
	if (pi_intel_doc_build(obj, parsed, pi_warninglists_current(), &p->doc, err) != PI_OK) {
		pi_error_prefix(err, "%s: observables", meta.id);
		goto out;
	}
	memcpy(p->version_key, meta.version_key, sizeof(p->version_key));
	p->in.stix_id = meta.id;
	p->in.type = meta.type;
	p->in.spec_version = meta.spec_version;
	p->in.version = meta.version ? meta.version : "";
	p->in.version_key = p->version_key;
	p->in.recipients = p->recipients;
	p->in.body = p->body;
	p->in.body_len = strlen(p->body);
	ret = PI_OK;
out:
	pi_pattern_free(parsed);
	return ret;
}

pi_status pi_ingest_objects(pi_store *store, const struct pi_collection *c,
	const struct pi_principal *who, const cJSON *objects, struct pi_ingest_result *res,
	struct pi_error *err)
{
	struct pending *items = NULL;
	struct pi_object_in *ins = NULL;
	struct pi_intel_facts *facts = NULL;
	enum pi_put_result *results = NULL;
	size_t nin = (size_t)cJSON_GetArraySize(objects), n = 0, i;
	struct pi_buf succ, fail, d;
	int nsucc = 0, nfail = 0;
	struct marking_ctx mctx = {store, objects};
	struct pi_stix_options vopt = {marking_known, &mctx};
	const cJSON *obj;
	int64_t date_added = 0;
	pi_status st = PI_OK;

	memset(res, 0, sizeof(*res));
	pi_buf_init(&succ, DETAILS_CAP);
	pi_buf_init(&fail, DETAILS_CAP);
	pi_buf_init(&d, DETAILS_CAP);
	items = calloc(nin ? nin : 1, sizeof(*items));
	ins = calloc(nin ? nin : 1, sizeof(*ins));
	results = calloc(nin ? nin : 1, sizeof(*results));
	facts = calloc(nin ? nin : 1, sizeof(*facts));
	if (!items || !ins || !results || !facts) {
		st = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		goto out;
	}
	cJSON_ArrayForEach(obj, objects)
	{
		struct pi_error oerr;
		pi_error_clear(&oerr);
		if (prepare(store, obj, &vopt, &items[n], &oerr) != PI_OK) {
			const char *oid = cJSON_IsObject(obj) ? pi_json_get_string(obj, "id") : NULL;
			const char *over = cJSON_IsObject(obj) ? pi_json_get_string(obj, "modified") : NULL;
			char shown_id[320];
			if (!over && cJSON_IsObject(obj))
				over = pi_json_get_string(obj, "created");
			/* echo at most 300 characters of whatever id was sent */
			snprintf(shown_id, sizeof(shown_id), "%.300s%s", oid ? oid : "",
				oid && strlen(oid) > 300 ? "..." : "");
			status_item(&fail, &nfail, shown_id, over && strlen(over) < 64 ? over : NULL,
				oerr.message);
			cJSON_free(items[n].body);
			free(items[n].recipients);
			pi_intel_doc_free(&items[n].doc);
			memset(&items[n], 0, sizeof(items[n]));
			continue;
		}
		ins[n] = items[n].in;
		facts[n] = items[n].doc.facts;
		n++;
	}
	if (n) {
		st = pi_store_intel_put(store, c->id, who->org_id, who->user_id, ins, facts, n,
			results, &date_added, err);
		if (st != PI_OK)
			goto out;
	}
	for (i = 0; i < n; i++) {
		if (results[i] == PI_PUT_CONFLICT) {
			status_item(&fail, &nfail, items[i].id, items[i].version,
				"an object with this id and version is already in the collection with different content; a change needs a later 'modified'");
		} else {
			status_item(&succ, &nsucc, items[i].id, items[i].version,
				results[i] == PI_PUT_UNCHANGED ? "already present" : items[i].doc.warnings);
			if (results[i] == PI_PUT_ADDED)
				res->added++;
		}
	}
	pi_buf_puts(&d, "{\"successes\":[");
	pi_buf_append(&d, succ.data ? succ.data : "", succ.len);
	pi_buf_puts(&d, "],\"failures\":[");
	pi_buf_append(&d, fail.data ? fail.data : "", fail.len);
	if (pi_buf_puts(&d, "],\"pendings\":[]}") != PI_OK) {
		st = pi_error_set(err, PI_ERR_TOOBIG, "the status of this request is too large");
		goto out;
	}
	res->total = (int)nin;
	res->success = nsucc;
	res->failure = nfail;
	res->details = pi_buf_steal(&d);
out:
	for (i = 0; i < nin && items; i++) {
		cJSON_free(items[i].body);
		free(items[i].recipients);
		pi_intel_doc_free(&items[i].doc);
	}
	free(items);
	free(ins);
	free(facts);
	free(results);
	pi_buf_free(&succ);
	pi_buf_free(&fail);
	pi_buf_free(&d);
	return st;
}
