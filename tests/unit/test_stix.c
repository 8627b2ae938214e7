/* test_stix.c - strict STIX 2.1 object validation.
 *
 * 1. Every object of the public data sets in $PI_STIX_DIR (OASIS examples, MISP exports,
 *    MITRE ATT&CK Mobile) validates, except the few listed in known_invalid with the exact
 *    rejection each one earns. interop/ holds JSON schemas (the OASIS interoperability
 *    profile), not objects; its files are recognised by "$schema" and skipped.
 * 2. Targeted refusals: each asserts the object label, the property path and the rule.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/json.h"
#include "core/stix.h"

#define MAX_FILE (16u << 20)
#define MAX_FILES 200
#define MAX_MARKINGS 64

/* ---- data sets ----------------------------------------------------------------------- */

struct bundle_markings {
	int count;
	char ids[MAX_MARKINGS][128];
};

static int bundle_marking_known(void *arg, const char *id)
{
	struct bundle_markings *m = arg;

	for (int i = 0; i < m->count; i++)
		if (strcmp(m->ids[i], id) == 0)
			return 1;
	return 0;
}

/* Objects of the data sets that break a rule, each with the rejection it must earn. */
struct known_invalid {
	const char *id;
	const char *message; /* exact */
	const char *why;
};

static const struct known_invalid known_invalid[] = {
        {"campaign--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
                "campaign--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061: object_marking_refs[1]: "
                "'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ec' is not a known marking "
                "definition: expected a TLP marking or one stored on this hub",
                "examples/interop-objectmarking-test.json marks the campaign with TLP:RED and with "
                "an "
                "id one hex digit off TLP:RED (...d5ec) that no marking-definition defines"},
};

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long size;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || (size_t)size > MAX_FILE ||
	        fseek(f, 0, SEEK_SET) != 0)
		goto out;
	buf = malloc((size_t)size + 1);
	if (!buf)
		goto out;
	if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[size] = '\0';
	*len = (size_t)size;
out:
	fclose(f);
	return buf;
}

static int collect_files(const char *dir, char files[][512], int n)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return n;
	while ((e = readdir(d)) != NULL && n < MAX_FILES) {
		char path[512];
		struct stat st;
		int w;

		if (e->d_name[0] == '.')
			continue;
		w = snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (w < 0 || (size_t)w >= sizeof(path) || stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			n = collect_files(path, files, n);
		else if (strlen(e->d_name) > 5 &&
		         strcmp(e->d_name + strlen(e->d_name) - 5, ".json") == 0)
			memcpy(files[n++], path, sizeof(path));
	}
	closedir(d);
	return n;
}

static const struct known_invalid *find_known_invalid(const char *id)
{
	for (size_t i = 0; i < sizeof(known_invalid) / sizeof(known_invalid[0]); i++)
		if (id && strcmp(known_invalid[i].id, id) == 0)
			return &known_invalid[i];
	return NULL;
}

static void data_sets_validate(void **state)
{
	static char files[MAX_FILES][512];
	static const char *const sets[] = {"examples", "interop", "misp-stix21", "attack"};
	const char *root = getenv("PI_STIX_DIR");
	int nfiles = 0, objects = 0, schemas_skipped = 0, failures = 0, known_seen = 0;

	(void)state;
	if (!root || access(root, R_OK) != 0) {
		printf("SKIP data sets: PI_STIX_DIR (%s) is not readable\n", root ? root : "unset");
		skip();
	}
	for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
		char dir[512];

		snprintf(dir, sizeof(dir), "%s/%s", root, sets[s]);
		nfiles = collect_files(dir, files, nfiles);
	}
	assert_true(nfiles >= 30);
	for (int f = 0; f < nfiles; f++) {
		struct pi_error err;
		struct bundle_markings marks = {0};
		struct pi_stix_options opt = {bundle_marking_known, &marks};
		size_t len = 0;
		char *text = read_file(files[f], &len);
		cJSON *doc = NULL;
		const cJSON *list, *o;

		assert_non_null(text);
		assert_int_equal(pi_json_parse(text, len, PI_JSON_MAX_DEPTH, &doc, &err), PI_OK);
		free(text);
		if (cJSON_GetObjectItemCaseSensitive(doc, "$schema")) {
			schemas_skipped++;
			cJSON_Delete(doc);
			continue;
		}
		list = cJSON_GetObjectItemCaseSensitive(doc, "objects");
		/* the hub knows the marking definitions shipped in the same bundle */
		cJSON_ArrayForEach(o, list)
		{
			const char *id = pi_json_get_string(o, "id");
			const char *type = pi_json_get_string(o, "type");

			if (type && strcmp(type, "marking-definition") == 0 && id &&
			        marks.count < MAX_MARKINGS && strlen(id) < sizeof(marks.ids[0]))
				memcpy(marks.ids[marks.count++], id, strlen(id) + 1);
		}
		for (o = list ? list->child : doc; o; o = list ? o->next : NULL) {
			const char *id = pi_json_get_string(o, "id");
			const struct known_invalid *k = find_known_invalid(id);
			pi_status st = pi_stix_validate(o, &opt, &err);

			objects++;
			if (k) {
				known_seen++;
				if (st != PI_ERR_INVALID || strcmp(err.message, k->message) != 0) {
					printf("%s: %s: expected rejection '%s', got '%s'\n",
					        files[f], id, k->message, st ? err.message : "OK");
					failures++;
				}
			} else if (st != PI_OK) {
				printf("%s: %s\n", files[f], err.message);
				failures++;
			}
		}
		cJSON_Delete(doc);
	}
	printf("data sets: %d files, %d objects, %d schema files skipped, %d known invalid\n",
	        nfiles, objects, schemas_skipped, known_seen);
	assert_int_equal(failures, 0);
	assert_int_equal(known_seen, (int)(sizeof(known_invalid) / sizeof(known_invalid[0])));
	assert_true(objects > 2000);
}

/* ---- targeted cases ------------------------------------------------------------------ */

#define U "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
#define U2 "1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d"
#define KNOWN_MARKING "marking-definition--11111111-2222-4333-8444-555555555555"
#define TIMES "'created':'2016-04-06T20:03:48.000Z','modified':'2016-04-06T20:03:48.000Z'"
#define HEAD(type) "'type':'" type "','spec_version':'2.1','id':'" type "--" U "'," TIMES
#define SCO(type) "'type':'" type "','id':'" type "--" U "'"
#define IND_BODY                                                                                   \
	"'pattern':'[ipv4-addr:value = \\u00271.2.3.4\\u0027]','pattern_type':'stix',"             \
	"'valid_from':'2016-01-01T00:00:00Z'"
#define IND "{" HEAD("indicator") "," IND_BODY
#define L_IND "indicator--" U ": "
#define SHA256 "6db12788c37247f2316052e142f42f4b259d6561751e5f401a1ae2a6df9c674b"
#define MD5 "d41d8cd98f00b204e9800998ecf8427e"

static int test_marking_known(void *arg, const char *id)
{
	(void)arg;
	return strcmp(id, KNOWN_MARKING) == 0;
}

/* JSON written with ' for " (the cases hold no apostrophes), parsed strictly. */
static cJSON *parse_sq(const char *sq)
{
	size_t n = strlen(sq);
	char *text = malloc(n + 1);
	cJSON *doc = NULL;
	struct pi_error err;

	if (!text)
		return NULL;
	for (size_t i = 0; i <= n; i++)
		text[i] = sq[i] == '\'' ? '"' : sq[i];
	if (pi_json_parse(text, n, PI_JSON_MAX_DEPTH, &doc, &err) != PI_OK)
		printf("case does not parse: %s\n%s\n", err.message, text);
	free(text);
	return doc;
}

static pi_status validate_sq(
        const char *sq, const struct pi_stix_options *opt, struct pi_error *err)
{
	cJSON *doc = parse_sq(sq);
	pi_status st;

	if (!doc)
		return PI_ERR_INTERNAL;
	st = pi_stix_validate(doc, opt, err);
	cJSON_Delete(doc);
	return st;
}

static const struct pi_stix_options test_opt = {test_marking_known, NULL};

static const char *const valid_objects[] = {
        /* an indicator using most common properties */
        IND ",'valid_until':'2016-01-01T00:00:00.001Z','confidence':100,'labels':['a'],"
            "'revoked':false,'object_marking_refs':["
            "'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9',"
            "'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1','" KNOWN_MARKING "'],"
            "'created_by_ref':'identity--" U2 "','lang':'fr-CA','x_acme_score':7,"
            "'x_acme_blob_bin':'aGVsbG8=','x_acme_id_hex':'00ff','description':'d',"
            "'kill_chain_phases':[{'kill_chain_name':'lockheed','phase_name':'delivery'}],"
            "'external_references':[{'source_name':'cve','external_id':'CVE-2016-0001'},"
            "{'source_name':'capec','external_id':'CAPEC-163'},{'source_name':'acme',"
            "'url':'https://example.com/a','hashes':{'SHA-256':'" SHA256 "'}},"
            "{'source_name':'acme','description':'no id, no url'}],"
            "'granular_markings':[{'selectors':['description','labels.[0]',"
            "'external_references.[2].url','kill_chain_phases.[0].phase_name'],"
            "'marking_ref':'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da'}]}",
        /* upper-case UUIDs are allowed by the OASIS identifier schema */
        "{'type':'identity','spec_version':'2.1','id':'identity--8E2E2D2B-17D4-4CBF-938F-"
        "98EE46B3CD3F'," TIMES ",'name':'ACME','identity_class':'organization',"
        "'sectors':['postal']}",
        /* TLP 1.0, TLP 2.0, statement and extension-only marking definitions */
        "{'type':'marking-definition','spec_version':'2.1','id':'marking-definition--613f2e26-"
        "407d-48c7-9eca-b8e91df99dc9','created':'2017-01-20T00:00:00.000Z','name':'TLP:WHITE',"
        "'definition_type':'tlp','definition':{'tlp':'white'}}",
        "{'type':'marking-definition','spec_version':'2.1','id':'marking-definition--94868c89-"
        "83c2-464b-929b-a1a8aa3c8487','created':'2022-10-01T00:00:00.000Z','name':'TLP:CLEAR',"
        "'extensions':{'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d':"
        "{'extension_type':'property-extension','tlp_2_0':'clear'}}}",
        "{'type':'marking-definition','spec_version':'2.1','id':'" KNOWN_MARKING "',"
        "'created':'2016-08-01T00:00:00Z','definition_type':'statement',"
        "'definition':{'statement':'Copyright 2016, Example Corp'}}",
        "{'type':'marking-definition','spec_version':'2.1','id':'marking-definition--" U "',"
        "'created':'2016-08-01T00:00:00Z','definition_type':'acme-level',"
        "'definition':{'level':3}}",
        /* custom objects: SDO-like and SCO-like; a custom SCO without spec_version */
        "{" HEAD("x-acme-widget") ",'x_size':3,'name':'w'}",
        "{" SCO("x-acme-token") ",'value':'abc','extensions':{'x-acme-ext':{'weight':1}}}",
        "{" SCO("x-acme-token") ",'spec_version':'2.1','value':'abc'}",
        /* SROs */
        "{" HEAD("relationship") ",'relationship_type':'indicates','source_ref':'indicator--" U2
                                 "','target_ref':'x-acme-widget--" U2
                                 "','start_time':'2016-01-01T00:00:00Z',"
                                 "'stop_time':'2016-01-02T00:00:00Z'}",
        "{" HEAD("sighting") ",'sighting_of_ref':'indicator--" U2 "','count':0,"
                             "'first_seen':'2016-01-01T00:00:00Z','last_seen':'2016-01-01T00:00:"
                             "00Z',"
                             "'where_sighted_refs':['identity--" U2 "','location--" U2 "'],"
                             "'observed_data_refs':['observed-data--" U2 "'],'summary':true}",
        /* SDOs with cross-property rules */
        "{" HEAD("location") ",'region':'europe'}",
        "{" HEAD("location") ",'latitude':-90,'longitude':180.0,'precision':10.5}",
        "{" HEAD("malware") ",'is_family':false}",
        "{" HEAD("malware") ",'is_family':true,'name':'x','first_seen':'2016-01-01T00:00:00Z',"
                            "'last_seen':'2016-01-01T00:00:00Z','sample_refs':['file--" U2
                            "','artifact--" U2 "'],"
                            "'operating_system_refs':['software--" U2 "']}",
        "{" HEAD("malware-analysis") ",'product':'av','result':'malicious',"
                                     "'sample_ref':'network-traffic--" U2
                                     "','host_vm_ref':'software--" U2 "'}",
        "{" HEAD("opinion") ",'opinion':'strongly-agree','object_refs':['report--" U2 "']}",
        "{" HEAD("note") ",'content':'c','object_refs':['x-acme-widget--" U2 "']}",
        "{" HEAD("report") ",'name':'r','published':'2016-01-01T00:00:00Z',"
                           "'object_refs':['indicator--" U2 "']}",
        "{" HEAD("grouping") ",'context':'suspicious-activity','object_refs':['ipv4-addr--" U2
                             "']}",
        "{" HEAD("observed-data") ",'first_observed':'2016-01-01T00:00:00Z',"
                                  "'last_observed':'2016-01-01T00:00:00Z','number_observed':"
                                  "999999999,"
                                  "'object_refs':['ipv4-addr--" U2 "','relationship--" U2
                                  "','x-acme-token--" U2 "']}",
        /* deprecated embedded objects whose references name dictionary keys */
        "{" HEAD("observed-data") ",'first_observed':'2016-01-01T00:00:00Z',"
                                  "'last_observed':'2016-01-02T00:00:00Z','number_observed':1,'"
                                  "objects':{"
                                  "'0':{'type':'ipv4-addr','id':'ipv4-addr--" U
                                  "','value':'198.51.100.3'},"
                                  "'1':{'type':'network-traffic','id':'network-traffic--" U
                                  "','src_ref':'0',"
                                  "'protocols':['tcp']}}}",
        "{" HEAD("language-content") ",'object_ref':'campaign--" U2 "',"
                                     "'object_modified':'2017-02-08T21:31:22.007Z','contents':{'de'"
                                     ":{'name':'Bank Angriff'},"
                                     "'fr':{'name':'Attaque'}}}",
        "{" HEAD("extension-definition") ",'created_by_ref':'identity--" U2 "','name':'n',"
                                         "'schema':'https://example.com/s','version':'1.0',"
                                         "'extension_types':['toplevel-property-extension'],'"
                                         "extension_properties':['x_a']}",
        "{" HEAD("attack-pattern") ",'name':'a','extensions':{'extension-definition--" U2 "':"
                                   "{'extension_type':'property-extension','rank':5}}}",
        /* SCOs */
        "{" SCO("file") ",'hashes':{'MD5':'" MD5
                        "','SHA-1':'da39a3ee5e6b4b0d3255bfef95601890afd80709',"
                        "'SHA-256':'" SHA256 "','x-custom':'anything'},'size':0,'name_enc':'UTF-8',"
                        "'magic_number_hex':'ffd8','parent_directory_ref':'directory--" U2 "',"
                        "'extensions':{'ntfs-ext':{'alternate_data_streams':[{'name':'s','size':1}]"
                        "},"
                        "'windows-pebinary-ext':{'pe_type':'exe','time_date_stamp':'2016-01-20T14:"
                        "11:25Z',"
                        "'optional_header':{'magic_hex':'010b','size_of_code':1},"
                        "'sections':[{'name':'.text','entropy':7.1}]},"
                        "'raster-image-ext':{'exif_tags':{'Make':'Nikon','XResolution':4928}},"
                        "'archive-ext':{'contains_refs':['file--" U2
                        "']},'pdf-ext':{'is_optimized':true}}}",
        "{" SCO("artifact") ",'mime_type':'application/zip','payload_bin':'UEsDBA=='}",
        "{" SCO("artifact") ",'url':'https://example.com/a.zip','hashes':{'MD5':'" MD5 "'},"
                            "'encryption_algorithm':'mime-type-indicated','decryption_key':'k'}",
        "{" SCO("autonomous-system") ",'number':15139,'rir':'ARIN'}",
        "{" SCO("directory") ",'path':'C:\\\\Windows','contains_refs':['file--" U2 "']}",
        "{" SCO("domain-name") ",'value':'example.com','resolves_to_refs':['ipv4-addr--" U2
                               "','domain-name--" U2 "']}",
        "{" SCO("email-addr") ",'value':'jdoe@example.com','belongs_to_ref':'user-account--" U2
                              "'}",
        "{" SCO("email-message") ",'is_multipart':true,'from_ref':'email-addr--" U2 "',"
                                 "'to_refs':['email-addr--" U2
                                 "'],'date':'2016-06-19T14:20:40.000Z',"
                                 "'additional_header_fields':{'Reply-To':['a@example.com','b@"
                                 "example.com'],"
                                 "'X-Mailer':'m'},'body_multipart':[{'content_type':'text/"
                                 "plain','body':'hi'},"
                                 "{'body_raw_ref':'artifact--" U2 "'}]}",
        "{" SCO("email-message") ",'is_multipart':false,'body':'hello'}",
        "{" SCO("ipv4-addr") ",'value':'10.0.0.0/8','resolves_to_refs':['mac-addr--" U2 "']}",
        "{" SCO("ipv6-addr") ",'value':'2001:db8::/32'}",
        "{" SCO("ipv6-addr") ",'value':'::'}",
        "{" SCO("ipv6-addr") ",'value':'1:2:3:4:5:6:7:8'}",
        "{" SCO("ipv6-addr") ",'value':'fe80::1%eth0'}",
        "{" SCO("ipv6-addr") ",'value':'1:2:3:4:5:6:7::'}",
        "{" SCO("mac-addr") ",'value':'d2:fb:49:24:37:18'}",
        "{" SCO("mutex") ",'name':'__CLEANSWEEP__'}",
        "{" SCO("network-traffic") ",'src_ref':'ipv4-addr--" U2 "','dst_port':443,"
                                   "'protocols':['ipv4','tcp','http'],'is_active':true,'start':'"
                                   "2016-01-01T00:00:00Z',"
                                   "'ipfix':{'minimumIpTotalLength':32,'protocolIdentifier':'6'},"
                                   "'extensions':{'http-request-ext':{'request_method':'get','"
                                   "request_value':'/',"
                                   "'request_header':{'Host':['example.com']}},'tcp-ext':{'src_"
                                   "flags_hex':'00000002'},"
                                   "'socket-ext':{'address_family':'AF_INET','options':{'SO_"
                                   "REUSEADDR':1,"
                                   "'IP_MULTICAST_TTL':2},'socket_type':'SOCK_STREAM'},"
                                   "'icmp-ext':{'icmp_type_hex':'08','icmp_code_hex':'00'}}}",
        "{" SCO("process") ",'pid':1221,'command_line':'x','environment_variables':"
                           "{'PATH':'/bin'},'image_ref':'file--" U2 "','child_refs':['process--" U2
                           "'],"
                           "'extensions':{'windows-process-ext':{'aslr_enabled':true,'integrity_"
                           "level':'high',"
                           "'startup_info':{'lpDesktop':'d','dwX':5,'cbReserved2':0}},"
                           "'windows-service-ext':{'service_name':'s','start_type':'SERVICE_AUTO_"
                           "START',"
                           "'service_dll_refs':['file--" U2 "']}}}",
        "{" SCO("software") ",'name':'Word','cpe':'cpe:2.3:a:microsoft:word:2000:*:*:*:*:*:*:*',"
                            "'languages':['en','en-US','fra'],'vendor':'Microsoft'}",
        "{" SCO("url") ",'value':'https://example.com/research/index.html'}",
        "{" SCO("user-account") ",'user_id':'1001','account_login':'jdoe',"
                                "'account_type':'unix','is_privileged':false,'account_created':'"
                                "2016-01-20T12:31:12Z',"
                                "'extensions':{'unix-account-ext':{'gid':1001,'groups':['wheel'],'"
                                "shell':'/bin/bash'}}}",
        "{" SCO("windows-registry-key") ",'key':'HKEY_LOCAL_MACHINE\\\\System\\\\Foo',"
                                        "'values':[{'name':'Foo','data':'qwerty','data_type':'REG_"
                                        "SZ'}],"
                                        "'modified_time':'2016-01-20T12:31:12Z','number_of_subkeys'"
                                        ":2}",
        "{" SCO("x509-certificate") ",'issuer':'C=ZA, O=Thawte','serial_number':'02',"
                                    "'validity_not_before':'2016-03-12T12:00:00Z','subject_public_"
                                    "key_exponent':65537,"
                                    "'x509_v3_extensions':{'basic_constraints':'critical,CA:TRUE',"
                                    "'private_key_usage_period_not_before':'2016-03-12T12:00:00Z'}"
                                    "}",
};

static void valid_objects_pass(void **state)
{
	struct pi_error err;
	int failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(valid_objects) / sizeof(valid_objects[0]); i++) {
		pi_status st = validate_sq(valid_objects[i], &test_opt, &err);

		if (st != PI_OK) {
			printf("valid case %zu refused: %s\n", i,
			        st == PI_ERR_INVALID ? err.message : "(does not parse)");
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

struct refusal {
	const char *json;
	const char *prefix; /* exact start of the message: "<label>: <path>: " */
	const char *rule;   /* must appear after the prefix */
};

static const struct refusal refusals[] = {
        /* identifiers and types */
        {"{'type':'indicator','spec_version':'2.1','id':'indicator--1234'," TIMES "," IND_BODY "}",
                "object: id: ",
                "'indicator--1234' is not a valid identifier: expected "
                "'indicator--<RFC 4122 UUID>'"},
        {"{'type':'indicator','spec_version':'2.1','id':'malware--" U "'," TIMES "," IND_BODY "}",
                "object: id: ",
                "'malware--" U "' does not begin with the object's type: expected "
                "'indicator--'"},
        {"{'type':'indicator','spec_version':'2.1','id':'indicator--8e2e2d2b-17d4-6cbf-938f-"
         "98ee46b3cd3f'," TIMES "," IND_BODY "}",
                "object: id: ", "is not a valid identifier"},
        {"{'type':'indicator','spec_version':'2.1'," TIMES "," IND_BODY "}",
                "object: id: ", "is required"},
        {"{'type':'Bad-Type','id':'bad-type--" U "'}",
                "object: type: ", "'Bad-Type' is not a valid type name"},
        {"{'type':'x-a--b','id':'x-a--b--" U "'}",
                "object: type: ", "'x-a--b' is not a valid type name"},
        {"{'type':'bundle','id':'bundle--" U "','objects':[]}",
                "bundle--" U ": type: ", "'bundle' is a container, not a STIX object"},
        {"[1]", "object: object: ", "must be a JSON object, not a list"},
        /* common properties */
        {"{'type':'indicator','spec_version':'2.0','id':'indicator--" U "'," TIMES "," IND_BODY "}",
                L_IND "spec_version: ", "'2.0' is not supported: expected \"2.1\""},
        {"{'type':'indicator','id':'indicator--" U "'," TIMES "," IND_BODY "}",
                L_IND "spec_version: ", "is required for indicator objects"},
        {"{'type':'indicator','spec_version':'2.1','id':'indicator--" U "',"
         "'created':'2016-04-06T20:03:48.000Z','modified':'2016-04-06T20:03:47.999Z'," IND_BODY "}",
                L_IND "modified: ",
                "'2016-04-06T20:03:47.999Z' must not be earlier than created "
                "(2016-04-06T20:03:48.000Z)"},
        {"{'type':'indicator','spec_version':'2.1','id':'indicator--" U "',"
         "'created':'2016-04-06T20:03:48.000+01:00','modified':'2016-04-06T20:03:48.000Z'," IND_BODY
         "}",
                L_IND "created: ", "must be in UTC and end with an upper-case 'Z'"},
        {"{'type':'indicator','spec_version':'2.1','id':'indicator--" U "',"
         "'created':'2016-04-06T20:03:48Z','modified':'2016-04-06T20:03:48.000Z'," IND_BODY "}",
                L_IND "created: ", "'2016-04-06T20:03:48Z' must be precise to the millisecond"},
        {IND ",'valid_until':'2016-02-30T00:00:00Z'}",
                L_IND "valid_until: ", "'2016-02-30T00:00:00Z' is not a real calendar date"},
        {IND ",'confidence':101}",
                L_IND "confidence: ", "101 is out of range: expected an integer from 0 to 100"},
        {IND ",'confidence':3.5}", L_IND "confidence: ", "3.5 is not an integer"},
        {IND ",'confidence':'50'}", L_IND "confidence: ", "must be an integer, not a string"},
        {IND ",'revoked':'true'}", L_IND "revoked: ", "must be true or false, not a string"},
        {IND ",'labels':[]}", L_IND "labels: ", "must not be an empty list"},
        {IND ",'labels':['a',2]}", L_IND "labels[1]: ", "must be a string, not a number"},
        {IND ",'lang':'english!'}", L_IND "lang: ", "'english!' is not an RFC 5646 language tag"},
        {IND ",'created_by_ref':'malware--" U2 "'}", L_IND "created_by_ref: ",
                "'malware--" U2 "' must reference an identity, not a 'malware' object"},
        {IND ",'object_marking_refs':['marking-definition--" U2 "']}",
                L_IND "object_marking_refs[0]: ",
                "'marking-definition--" U2 "' is not a known marking definition"},
        {IND ",'object_marking_refs':['identity--" U2 "']}",
                L_IND "object_marking_refs[0]: ", "is not a marking-definition id"},
        {IND ",'x_Custom':1}", L_IND "x_Custom: ", "'x_Custom' is not a valid property name"},
        {IND ",'xy':1}", L_IND "xy: ", "'xy' is not a valid property name"},
        {IND ",'x_custom':null}", L_IND "x_custom: ", "must not be null"},
        {IND ",'x_custom':[]}", L_IND "x_custom: ", "must not be an empty list"},
        {IND ",'x_data_bin':'abc'}", L_IND "x_data_bin: ", "'abc' is not base64"},
        {IND ",'x_data_hex':'abc'}", L_IND "x_data_hex: ", "'abc' is not hex"},
        {IND ",'severity':'high'}", L_IND "severity: ", "is a reserved property name"},
        /* external references, kill chains, granular markings, extensions */
        {IND ",'external_references':[{'source_name':'cve','external_id':'CVE-16-1'}]}",
                L_IND "external_references[0].external_id: ", "'CVE-16-1' is not a CVE id"},
        {IND ",'external_references':[{'source_name':'mitre','external_id':'CVE-2020-1234'}]}",
                L_IND "external_references[0].source_name: ",
                "'mitre' does not match external_id 'CVE-2020-1234': expected 'cve'"},
        {IND ",'external_references':[{'source_name':'capec'}]}",
                L_IND "external_references[0].external_id: ",
                "is required when source_name is 'capec'"},
        {IND ",'external_references':[{'source_name':'acme'}]}",
                L_IND "external_references[0].source_name: ",
                "must have at least one of: external_id, description, url"},
        {IND ",'external_references':[{'source_name':'a','url':'not a url'}]}",
                L_IND "external_references[0].url: ", "'not a url' is not a URL"},
        {IND ",'external_references':[{'source_name':'a','url':'https://e.com',"
             "'hashes':{'sha256':'" SHA256 "'}}]}",
                L_IND "external_references[0].hashes.sha256: ",
                "'sha256' is not a hash algorithm external references allow"},
        {IND ",'external_references':[{'description':'d'}]}",
                L_IND "external_references[0].source_name: ",
                "is required for external references"},
        {IND ",'kill_chain_phases':[{'kill_chain_name':'k'}]}",
                L_IND "kill_chain_phases[0].phase_name: ", "is required for kill chain phases"},
        {IND ",'granular_markings':[{'selectors':['description'],'marking_ref':'" KNOWN_MARKING
             "'}]}",
                L_IND "granular_markings[0].selectors[0]: ",
                "'description' selects nothing: it must name a property or list item present"},
        {IND ",'labels':['a'],'granular_markings':[{'selectors':['labels.[1]'],'marking_ref':"
             "'" KNOWN_MARKING "'}]}",
                L_IND "granular_markings[0].selectors[0]: ", "'labels.[1]' selects nothing"},
        {IND ",'granular_markings':[{'selectors':['Pattern'],'marking_ref':'" KNOWN_MARKING "'}]}",
                L_IND "granular_markings[0].selectors[0]: ", "'Pattern' is not a selector"},
        {IND ",'granular_markings':[{'selectors':['pattern'],'lang':'en','marking_ref':"
             "'" KNOWN_MARKING "'}]}",
                L_IND "granular_markings[0].lang: ",
                "must not be present together with marking_ref"},
        {IND ",'granular_markings':[{'selectors':['pattern'],'marking_ref':'marking-definition--" U2
             "'}]}",
                L_IND "granular_markings[0].marking_ref: ", "is not a known marking definition"},
        {IND ",'granular_markings':[{'selectors':['pattern']}]}",
                L_IND "granular_markings[0].marking_ref: ", "is required for granular markings"},
        {IND ",'extensions':{'foo':{'a':1}}}",
                L_IND "extensions.foo: ", "'foo' is not a valid extension name"},
        {IND ",'extensions':{}}", L_IND "extensions: ", "must not be empty"},
        {IND ",'extensions':{'x-acme-ext':{}}}",
                L_IND "extensions.x-acme-ext: ", "must not be an empty object"},
        {IND ",'extensions':{'extension-definition--" U2 "':{'rank':1}}}",
                L_IND "extensions.extension-definition--" U2 ".extension_type: ", "is required"},
        {IND ",'extensions':{'extension-definition--" U2 "':{'extension_type':'new-thing'}}}",
                L_IND "extensions.extension-definition--" U2 ".extension_type: ",
                "'new-thing' is not allowed: expected one of 'new-sdo'"},
        /* per-type required properties and values */
        {IND ",'valid_until':'2016-01-01T00:00:00Z'}", L_IND "valid_until: ",
                "'2016-01-01T00:00:00Z' must be later than valid_from (2016-01-01T00:00:00Z)"},
        {"{" HEAD("indicator") ",'pattern_type':'stix','valid_from':'2016-01-01T00:00:00Z'}",
                L_IND "pattern: ", "is required for indicator objects"},
        {"{" HEAD("indicator") ",'pattern':'','pattern_type':'stix',"
                               "'valid_from':'2016-01-01T00:00:00Z'}",
                L_IND "pattern: ", "must not be an empty string"},
        {"{" HEAD("attack-pattern") "}",
                "attack-pattern--" U ": name: ", "is required for attack-pattern objects"},
        {"{" HEAD("campaign") ",'name':'c','first_seen':'2016-01-02T00:00:00Z',"
                              "'last_seen':'2016-01-01T00:00:00Z'}",
                "campaign--" U ": last_seen: ", "must not be earlier than first_seen"},
        {"{" HEAD("identity") ",'name':'n','sectors':'postal'}",
                "identity--" U ": sectors: ", "must be a list, not a string"},
        {"{" HEAD("malware") ",'name':'m'}",
                "malware--" U ": is_family: ", "is required for malware objects"},
        {"{" HEAD("malware") ",'is_family':true}",
                "malware--" U ": name: ", "is required when is_family is true"},
        {"{" HEAD("malware") ",'is_family':'yes'}",
                "malware--" U ": is_family: ", "must be true or false"},
        {"{" HEAD("malware") ",'is_family':false,'sample_refs':['url--" U2 "']}",
                "malware--" U ": sample_refs[0]: ", "must reference a file or an artifact"},
        {"{" HEAD("malware-analysis") ",'product':'p'}",
                "malware-analysis--" U ": result: ", "at least one of: result, analysis_sco_refs"},
        {"{" HEAD("malware-analysis") ",'product':'p','result':'r','sample_ref':'url--" U2 "'}",
                "malware-analysis--" U ": sample_ref: ",
                "must reference an artifact, file or network-traffic object"},
        {"{" HEAD("location") ",'latitude':91,'longitude':0}", "location--" U ": latitude: ",
                "91 is out of range: expected a number from -90 to 90"},
        {"{" HEAD("location") ",'latitude':45}",
                "location--" U ": longitude: ", "is required when latitude is present"},
        {"{" HEAD("location") ",'city':'Bern'}", "location--" U ": region: ",
                "at least one of: region, country, latitude and longitude"},
        {"{" HEAD("location") ",'region':'europe','precision':5}",
                "location--" U ": precision: ", "requires latitude and longitude"},
        {"{" HEAD("opinion") ",'opinion':'maybe','object_refs':['report--" U2 "']}",
                "opinion--" U ": opinion: ",
                "'maybe' is not allowed: expected one of "
                "'strongly-disagree', 'disagree'"},
        {"{" HEAD("report") ",'name':'r','object_refs':['indicator--" U2 "']}",
                "report--" U ": published: ", "is required for report objects"},
        {"{" HEAD("report") ",'name':'r','published':'2016-01-01T00:00:00Z','object_refs':[]}",
                "report--" U ": object_refs: ", "must not be an empty list"},
        {"{" HEAD("report") ",'name':'r','published':'2016-01-01T00:00:00Z',"
                            "'object_refs':['bundle--" U2 "']}",
                "report--" U ": object_refs[0]: ", "must reference a STIX object, not a 'bundle'"},
        {"{" HEAD("grouping") ",'object_refs':['indicator--" U2 "']}",
                "grouping--" U ": context: ", "is required for grouping objects"},
        {"{" HEAD("note") ",'object_refs':['indicator--" U2 "']}",
                "note--" U ": content: ", "is required for note objects"},
        {"{" HEAD("observed-data") ",'first_observed':'2016-01-01T00:00:00Z',"
                                   "'last_observed':'2016-01-01T00:00:00Z','number_observed':0,"
                                   "'object_refs':['ipv4-addr--" U2 "']}",
                "observed-data--" U ": number_observed: ",
                "0 is out of range: expected an integer from 1 to 999999999"},
        {"{" HEAD("observed-data") ",'first_observed':'2016-01-02T00:00:00Z',"
                                   "'last_observed':'2016-01-01T00:00:00Z','number_observed':1,"
                                   "'object_refs':['ipv4-addr--" U2 "']}",
                "observed-data--" U ": last_observed: ", "must not be earlier than first_observed"},
        {"{" HEAD("observed-data") ",'first_observed':'2016-01-01T00:00:00Z',"
                                   "'last_observed':'2016-01-01T00:00:00Z','number_observed':1}",
                "observed-data--" U ": object_refs: ", "is required for observed-data objects"},
        {"{" HEAD("observed-data") ",'first_observed':'2016-01-01T00:00:00Z',"
                                   "'last_observed':'2016-01-01T00:00:00Z','number_observed':1,"
                                   "'object_refs':['indicator--" U2 "']}",
                "observed-data--" U ": object_refs[0]: ",
                "must reference an SCO, relationship or sighting, not a 'indicator' object"},
        {"{" HEAD("observed-data") ",'first_observed':'2016-01-01T00:00:00Z',"
                                   "'last_observed':'2016-01-01T00:00:00Z','number_observed':1,"
                                   "'object_refs':['toolbox--" U2 "']}",
                "observed-data--" U ": object_refs[0]: ",
                "a custom type may not begin with the SDO type name 'tool'"},
        {"{" HEAD("observed-data") ",'first_observed':'2016-01-01T00:00:00Z',"
                                   "'last_observed':'2016-01-01T00:00:00Z','number_observed':1,'"
                                   "objects':{"
                                   "'0':{'type':'network-traffic','id':'network-traffic--" U
                                   "','src_ref':'7',"
                                   "'protocols':['tcp']}}}",
                "observed-data--" U ": objects.0.src_ref: ",
                "'7' is not a STIX identifier: expected '<type>--<RFC 4122 UUID>' or a key of "
                "objects"},
        {"{" HEAD("observed-data") ",'first_observed':'2016-01-01T00:00:00Z',"
                                   "'last_observed':'2016-01-01T00:00:00Z','number_observed':1,'"
                                   "objects':{"
                                   "'0':{'type':'ipv4-addr','value':'1.2.3.4'}}}",
                "observed-data--" U ": objects.0.id: ", "is required"},
        {"{" HEAD("observed-data") ",'first_observed':'2016-01-01T00:00:00Z',"
                                   "'last_observed':'2016-01-01T00:00:00Z','number_observed':1,'"
                                   "objects':{"
                                   "'0':{'type':'ipv4-addr','id':'ipv4-addr--" U
                                   "','value':'1.2.3.4'}},"
                                   "'object_refs':['ipv4-addr--" U "']}",
                "observed-data--" U ": objects: ", "must not be present together with object_refs"},
        {"{" HEAD("tool") ",'name':'t','kill_chain_phases':[{'phase_name':'p'}]}",
                "tool--" U ": kill_chain_phases[0].kill_chain_name: ", "is required"},
        {"{" HEAD(
                 "relationship") ",'relationship_type':'uses','source_ref':'marking-definition--" U2
                                 "','target_ref':'malware--" U2 "'}",
                "relationship--" U ": source_ref: ",
                "must reference an SDO or SCO (not a relationship, sighting"},
        {"{" HEAD("relationship") ",'relationship_type':'Uses','source_ref':'tool--" U2
                                  "','target_ref':'malware--" U2 "'}",
                "relationship--" U ": relationship_type: ", "'Uses' may only hold a-z, 0-9 and -"},
        {"{" HEAD("relationship") ",'relationship_type':'uses','source_ref':'tool--" U2
                                  "','target_ref':'malware--" U2
                                  "','start_time':'2016-01-01T00:00:00Z',"
                                  "'stop_time':'2016-01-01T00:00:00Z'}",
                "relationship--" U ": stop_time: ", "must be later than start_time"},
        {"{" HEAD("sighting") ",'sighting_of_ref':'indicator--" U2 "','count':-1}",
                "sighting--" U ": count: ",
                "-1 is out of range: expected an integer from 0 to "
                "999999999"},
        {"{" HEAD("sighting") ",'sighting_of_ref':'indicator--" U2 "','count':1000000000}",
                "sighting--" U ": count: ", "1000000000 is out of range"},
        {"{" HEAD("sighting") ",'sighting_of_ref':'indicator--" U2 "',"
                              "'where_sighted_refs':['malware--" U2 "']}",
                "sighting--" U ": where_sighted_refs[0]: ",
                "must reference an identity or a location, not a 'malware' object"},
        {"{" HEAD("sighting") ",'sighting_of_ref':'relationship--" U2 "'}",
                "sighting--" U ": sighting_of_ref: ",
                "must reference an SDO, not a 'relationship'"},
        {"{" HEAD("sighting") ",'sighting_of_ref':'indicator--" U2 "',"
                              "'observed_data_refs':['indicator--" U2 "']}",
                "sighting--" U ": observed_data_refs[0]: ",
                "must reference an observed-data object"},
        {"{" HEAD("sighting") "}", "sighting--" U ": sighting_of_ref: ", "is required"},
        /* meta objects */
        {"{'type':'marking-definition','spec_version':'2.1','id':'marking-definition--613f2e26-"
         "407d-48c7-9eca-b8e91df99dc9','created':'2017-01-20T00:00:00.000Z','name':'TLP:GREEN',"
         "'definition_type':'tlp','definition':{'tlp':'white'}}",
                "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9: name: ",
                "must be 'TLP:WHITE' for this TLP 1.0 marking"},
        {"{'type':'marking-definition','spec_version':'2.1','id':'marking-definition--" U "',"
         "'created':'2017-01-20T00:00:00.000Z','definition_type':'tlp','definition':"
         "{'tlp':'white'}}",
                "marking-definition--" U ": id: ", "is not a TLP 1.0 marking id"},
        {"{'type':'marking-definition','spec_version':'2.1','id':'marking-definition--" U "',"
         "'created':'2017-01-20T00:00:00.000Z','definition_type':'statement','definition':"
         "{'text':'x'}}",
                "marking-definition--" U ": definition: ", "a statement marking needs"},
        {"{'type':'marking-definition','spec_version':'2.1','id':'marking-definition--" U "',"
         "'created':'2017-01-20T00:00:00.000Z','name':'n'}",
                "marking-definition--" U ": definition_type: ",
                "is required for marking-definition objects without extensions"},
        {"{'type':'marking-definition','spec_version':'2.1','id':'marking-definition--" U "',"
         "'created':'2017-01-20T00:00:00.000Z','extensions':{'x-acme-ext':{'a':1}}}",
                "marking-definition--" U ": extensions.x-acme-ext: ",
                "expected 'extension-definition--<UUID>'"},
        {"{'type':'marking-definition','spec_version':'2.1','id':'marking-definition--94868c89-"
         "83c2-464b-929b-a1a8aa3c8487','created':'2022-10-01T00:00:00.000Z','name':'TLP:WHITE',"
         "'extensions':{'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d':"
         "{'extension_type':'property-extension','tlp_2_0':'clear'}}}",
                "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487: name: ",
                "must be 'TLP:CLEAR' for this TLP 2.0 marking"},
        {"{" HEAD("language-content") ",'object_ref':'bundle--" U2 "','contents':{'de':{'a':'b'}}}",
                "language-content--" U ": object_ref: ", "not a 'bundle' object"},
        {"{" HEAD("language-content") ",'object_ref':'campaign--" U2 "','contents':{'de':'x'}}",
                "language-content--" U ": contents.de: ", "must be an object, not a string"},
        {"{" HEAD("extension-definition") ",'name':'n','schema':'s','version':'1',"
                                          "'extension_types':['new-sdo'],'extension_properties':['"
                                          "x_a']}",
                "extension-definition--" U ": extension_properties: ",
                "is only allowed when extension_types includes 'toplevel-property-extension'"},
        {"{" HEAD("extension-definition") ",'name':'n','schema':'s','version':'1'}",
                "extension-definition--" U ": extension_types: ", "is required"},
        /* SCOs */
        {"{" SCO("ipv4-addr") ",'spec_version':'2.0','value':'1.2.3.4'}",
                "ipv4-addr--" U ": spec_version: ", "'2.0' is not supported"},
        {"{" SCO("ipv4-addr") ",'value':'256.1.1.1'}",
                "ipv4-addr--" U ": value: ", "'256.1.1.1' is not an IPv4 address"},
        {"{" SCO("ipv4-addr") ",'value':'10.0.0.0/33'}",
                "ipv4-addr--" U ": value: ", "'10.0.0.0/33' is not an IPv4 address"},
        {"{" SCO("ipv4-addr") ",'value':'01.2.3.4'}",
                "ipv4-addr--" U ": value: ", "is not an IPv4 address"},
        {"{" SCO("ipv4-addr") "}", "ipv4-addr--" U ": value: ", "is required for ipv4-addr"},
        {"{" SCO("ipv4-addr") ",'value':'1.2.3.4','resolves_to_refs':['domain-name--" U2 "']}",
                "ipv4-addr--" U ": resolves_to_refs[0]: ", "must reference a mac-addr object"},
        {"{" SCO("ipv6-addr") ",'value':'2001:db8:::1'}",
                "ipv6-addr--" U ": value: ", "'2001:db8:::1' is not an IPv6 address"},
        {"{" SCO("ipv6-addr") ",'value':'1:2:3:4:5:6:7:8:9'}",
                "ipv6-addr--" U ": value: ", "is not an IPv6 address"},
        {"{" SCO("ipv6-addr") ",'value':'::ffff:1.2.3.4'}",
                "ipv6-addr--" U ": value: ", "(hex groups only)"},
        {"{" SCO("ipv6-addr") ",'value':'::1/129'}",
                "ipv6-addr--" U ": value: ", "is not an IPv6 address"},
        {"{" SCO("mac-addr") ",'value':'D2:FB:49:24:37:18'}",
                "mac-addr--" U ": value: ", "expected six lower-case hex pairs"},
        {"{" SCO("file") ",'hashes':{'MD5':'abc'}}", "file--" U ": hashes.MD5: ",
                "'abc' is not a valid MD5 hash: expected 32 hexadecimal digits"},
        {"{" SCO("file") ",'hashes':{'SHA-256':'" MD5 "'}}", "file--" U ": hashes.SHA-256: ",
                "is not a valid SHA-256 hash: expected 64 hexadecimal digits"},
        {"{" SCO("file") ",'hashes':{'SHA-1':'" MD5 "'}}",
                "file--" U ": hashes.SHA-1: ", "expected 40 hexadecimal digits"},
        {"{" SCO("file") ",'hashes':{'SHA-512':'" SHA256 "'}}",
                "file--" U ": hashes.SHA-512: ", "expected 128 hexadecimal digits"},
        {"{" SCO("file") ",'hashes':{'MD':'ab'}}",
                "file--" U ": hashes.MD: ", "'MD' is not a valid hash name"},
        {"{" SCO("file") ",'hashes':{}}", "file--" U ": hashes: ", "must hold at least one hash"},
        {"{" SCO("file") ",'hashes':{'TLSH':'abc'}}",
                "file--" U ": hashes.TLSH: ", "is not a TLSH hash"},
        {"{" SCO("file") ",'size':-1,'name':'a'}",
                "file--" U ": size: ", "-1 is out of range: expected an integer of at least 0"},
        {"{" SCO("file") ",'size':10}", "file--" U ": ",
                "file objects must have at least one of: hashes, name"},
        {"{" SCO("file") ",'name':'a','parent_directory_ref':'file--" U2 "'}",
                "file--" U ": parent_directory_ref: ", "must reference a directory object"},
        {"{" SCO("file") ",'name':'a','extensions':{'ntfs-ext':{'x_other':1}}}",
                "file--" U ": extensions.ntfs-ext: ",
                "must have at least one of: sid, "
                "alternate_data_streams"},
        {"{" SCO("file") ",'name':'a','extensions':{'windows-pebinary-ext':{'pe_type':'exe',"
                         "'time_date_stamp':'2016-01-20T14:11:25.5Z'}}}",
                "file--" U ": extensions.windows-pebinary-ext.time_date_stamp: ",
                "must have no fraction of a second"},
        {"{" SCO("file") ",'name':'a','extensions':{'windows-pebinary-ext':{'pe_type':'exe',"
                         "'optional_header':{'bogus':1}}}}",
                "file--" U ": extensions.windows-pebinary-ext.optional_header.bogus: ",
                "is not a property of the windows PE optional header"},
        {"{" SCO("file") ",'name':'a','extensions':{'raster-image-ext':{'exif_tags':"
                         "{'make':'x'}}}}",
                "file--" U ": extensions.raster-image-ext.exif_tags.make: ",
                "is not an EXIF tag name"},
        {"{" SCO("file") ",'name':'a','extensions':{'archive-ext':{'comment':'c'}}}",
                "file--" U ": extensions.archive-ext.contains_refs: ",
                "is required for archive-ext"},
        {"{" SCO("artifact") ",'payload_bin':'UEsDBA==','url':'https://e.com/a',"
                             "'hashes':{'MD5':'" MD5 "'}}",
                "artifact--" U ": url: ", "must not be present together with payload_bin"},
        {"{" SCO("artifact") ",'payload_bin':'UEsDB'}",
                "artifact--" U ": payload_bin: ", "'UEsDB' is not base64"},
        {"{" SCO("artifact") ",'url':'https://e.com/a'}",
                "artifact--" U ": hashes: ", "is required when url is present"},
        {"{" SCO("artifact") ",'payload_bin':'UEsDBA==','decryption_key':'k'}",
                "artifact--" U ": decryption_key: ", "requires encryption_algorithm"},
        {"{" SCO("artifact") ",'payload_bin':'UEsDBA==','mime_type':'zip'}",
                "artifact--" U ": mime_type: ", "'zip' is not a MIME type"},
        {"{" SCO("autonomous-system") ",'number':1.5}",
                "autonomous-system--" U ": number: ", "1.5 is not an integer"},
        {"{" SCO("domain-name") ",'value':'a.com','resolves_to_refs':['file--" U2 "']}",
                "domain-name--" U ": resolves_to_refs[0]: ",
                "must reference an ipv4-addr, ipv6-addr or domain-name object"},
        {"{" SCO("email-addr") ",'value':'not-an-address'}",
                "email-addr--" U ": value: ", "is not an e-mail address"},
        {"{" SCO("email-addr") ",'value':'a@b.c','belongs_to_ref':'identity--" U2 "'}",
                "email-addr--" U ": belongs_to_ref: ", "must reference a user-account object"},
        {"{" SCO("email-message") ",'body':'b'}",
                "email-message--" U ": is_multipart: ", "is required for email-message objects"},
        {"{" SCO("email-message") ",'is_multipart':true,'body':'b'}",
                "email-message--" U ": body: ", "must not be present when is_multipart is true"},
        {"{" SCO("email-message") ",'is_multipart':true,'body_multipart':[{'content_type':'x'}]}",
                "email-message--" U ": body_multipart[0].body: ",
                "exactly one of body and body_raw_ref"},
        {"{" SCO("email-message") ",'is_multipart':false,'additional_header_fields':"
                                  "{'Subject':'s'}}",
                "email-message--" U ": additional_header_fields.Subject: ", "has its own property"},
        {"{" SCO("email-message") ",'is_multipart':false,'additional_header_fields':"
                                  "{'X-A':['one']}}",
                "email-message--" U ": additional_header_fields.X-A: ",
                "a single header value must be written as a string"},
        {"{" SCO("network-traffic") ",'src_ref':'ipv4-addr--" U2 "','src_port':70000,"
                                    "'protocols':['tcp']}",
                "network-traffic--" U ": src_port: ",
                "70000 is out of range: expected an integer from 0 to 65535"},
        {"{" SCO("network-traffic") ",'src_ref':'ipv4-addr--" U2 "','is_active':true,"
                                    "'end':'2016-01-01T00:00:00Z','protocols':['tcp']}",
                "network-traffic--" U ": end: ", "must not be present when is_active is true"},
        {"{" SCO("network-traffic") ",'protocols':['tcp']}",
                "network-traffic--" U ": src_ref: ", "at least one of: src_ref, dst_ref"},
        {"{" SCO("network-traffic") ",'src_ref':'ipv4-addr--" U2 "'}",
                "network-traffic--" U ": protocols: ", "is required"},
        {"{" SCO("network-traffic") ",'src_ref':'ipv4-addr--" U2 "','protocols':['tcp'],"
                                    "'extensions':{'socket-ext':{'address_family':'AF_FOO'}}}",
                "network-traffic--" U ": extensions.socket-ext.address_family: ",
                "'AF_FOO' is not allowed"},
        {"{" SCO("network-traffic") ",'src_ref':'ipv4-addr--" U2 "','protocols':['tcp'],"
                                    "'extensions':{'socket-ext':{'address_family':'AF_INET','"
                                    "options':{'so_x':1}}}}",
                "network-traffic--" U ": extensions.socket-ext.options.so_x: ",
                "is not a socket option name"},
        {"{" SCO("network-traffic") ",'src_ref':'ipv4-addr--" U2 "','protocols':['tcp'],"
                                    "'extensions':{'icmp-ext':{'icmp_type_hex':'8'}}}",
                "network-traffic--" U ": extensions.icmp-ext.icmp_type_hex: ", "'8' is not hex"},
        {"{" SCO("process") ",'x_note':'n'}", "process--" U ": ",
                "process objects must have at least one of: extensions, is_hidden, pid"},
        {"{" SCO("process") ",'pid':1,'extensions':{'windows-process-ext':{'startup_info':"
                            "{'lpFoo':'x'}}}}",
                "process--" U ": extensions.windows-process-ext.startup_info.lpFoo: ",
                "is not a STARTUPINFO member"},
        {"{" SCO("process") ",'pid':1,'parent_ref':'file--" U2 "'}",
                "process--" U ": parent_ref: ", "must reference a process object"},
        {"{" SCO("software") ",'name':'w','cpe':'cpe:2.3:a:microsoft:word'}",
                "software--" U ": cpe: ", "is not a CPE 2.3 formatted string"},
        {"{" SCO("software") ",'name':'w','languages':['english']}",
                "software--" U ": languages[0]: ", "'english' is not a language code"},
        {"{" SCO("url") ",'value':'example.com/x'}",
                "url--" U ": value: ", "'example.com/x' is not a URL"},
        {"{" SCO("user-account") ",'is_privileged':'no'}",
                "user-account--" U ": is_privileged: ", "must be true or false"},
        {"{" SCO("user-account") ",'user_id':'1','extensions':{'unix-account-ext':"
                                 "{'groups':[]}}}",
                "user-account--" U ": extensions.unix-account-ext.groups: ",
                "must not be an empty list"},
        {"{" SCO("windows-registry-key") ",'key':'HKLM\\\\Software\\\\Foo'}",
                "windows-registry-key--" U ": key: ", "abbreviates the hive"},
        {"{" SCO("windows-registry-key") ",'values':[{'data_type':'REG_FOO'}]}",
                "windows-registry-key--" U ": values[0].data_type: ", "'REG_FOO' is not allowed"},
        {"{" SCO("x509-certificate") ",'x_note':'n'}", "x509-certificate--" U ": ",
                "x509-certificate objects must have at least one of: is_self_signed"},
        {"{" SCO("x509-certificate") ",'subject_public_key_exponent':'65537'}",
                "x509-certificate--" U ": subject_public_key_exponent: ", "must be an integer"},
        {"{" SCO("directory") ",'path':'p','path_enc':'x'}",
                "directory--" U ": path_enc: ", "is not a character set name"},
        {"{" SCO("process") ",'pid':1,'environment_variables':{'bad key':'x'}}",
                "process--" U ": environment_variables.bad key: ", "is not a valid dictionary key"},
};

static void refusals_name_property_and_rule(void **state)
{
	struct pi_error err;
	int failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		const struct refusal *r = &refusals[i];
		pi_status st = validate_sq(r->json, &test_opt, &err);
		size_t plen = strlen(r->prefix);

		if (st != PI_ERR_INVALID || strncmp(err.message, r->prefix, plen) != 0 ||
		        !strstr(err.message + plen, r->rule)) {
			printf("refusal %zu: expected '%s...%s', got %s '%s'\n", i, r->prefix,
			        r->rule, st == PI_OK ? "OK" : "error",
			        st == PI_OK ? "" : err.message);
			failures++;
		}
	}
	printf("%zu refusals checked\n", sizeof(refusals) / sizeof(refusals[0]));
	assert_int_equal(failures, 0);
}

/* The marking callback decides for ids other than the TLP ones; TLP ids never reach it. */
static int calls;
static int counting_known(void *arg, const char *id)
{
	calls++;
	return arg && strcmp(id, (const char *)arg) == 0;
}

static void marking_callback_decides(void **state)
{
	const char *obj = IND ",'object_marking_refs':['" KNOWN_MARKING "',"
	                      "'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421']}";
	struct pi_stix_options knows = {counting_known, (void *)KNOWN_MARKING};
	struct pi_stix_options knows_not = {counting_known, NULL};
	struct pi_error err;

	(void)state;
	calls = 0;
	assert_int_equal(validate_sq(obj, &knows, &err), PI_OK);
	assert_int_equal(calls, 1);
	assert_int_equal(validate_sq(obj, &knows_not, &err), PI_ERR_INVALID);
	assert_string_equal(err.message,
	        L_IND "object_marking_refs[0]: '" KNOWN_MARKING "' is not a known marking "
	              "definition: expected a TLP marking or one stored on this hub");
	/* NULL options: only TLP ids are known */
	assert_int_equal(validate_sq(obj, NULL, &err), PI_ERR_INVALID);
	assert_int_equal(validate_sq(IND ",'object_marking_refs':['marking-definition--939a9414-"
	                                 "2ddd-4d32-a0cd-375ea402b003']}",
	                         NULL, &err),
	        PI_OK);
}

static void exact_messages(void **state)
{
	struct pi_error err;

	(void)state;
	assert_int_equal(
	        validate_sq(IND ",'valid_until':'2015-12-31T23:59:59.999Z'}", &test_opt, &err),
	        PI_ERR_INVALID);
	assert_string_equal(err.message,
	        L_IND "valid_until: '2015-12-31T23:59:59.999Z' must be later than valid_from "
	              "(2016-01-01T00:00:00Z)");
	assert_int_equal(validate_sq("{" HEAD("sighting") ",'sighting_of_ref':'indicator--" U2
	                                                  "','count':-1}",
	                         &test_opt, &err),
	        PI_ERR_INVALID);
	assert_string_equal(err.message, "sighting--" U ": count: -1 is out of range: expected an "
	                                 "integer from 0 to 999999999");
	assert_int_equal(validate_sq(IND ",'created_by_ref':'tool--" U2 "'}", &test_opt, &err),
	        PI_ERR_INVALID);
	assert_string_equal(err.message, L_IND "created_by_ref: 'tool--" U2 "' must reference an "
	                                       "identity, not a 'tool' object");
	/* success clears the error */
	assert_int_equal(validate_sq(IND "}", &test_opt, &err), PI_OK);
	assert_int_equal(err.status, PI_OK);
	assert_string_equal(err.message, "");
}

static void id_syntax(void **state)
{
	(void)state;
	assert_true(pi_stix_id_valid("indicator--" U, "indicator"));
	assert_true(pi_stix_id_valid("indicator--" U, NULL));
	assert_true(pi_stix_id_valid("x-acme-widget--" U, "x-acme-widget"));
	assert_true(pi_stix_id_valid("ipv4-addr--8E2E2D2B-17D4-4CBF-938F-98EE46B3CD3F", NULL));
	assert_false(pi_stix_id_valid("indicator--" U, "malware"));
	assert_false(pi_stix_id_valid("indicator--" U, "indicato"));
	assert_false(pi_stix_id_valid("indicator-" U, NULL));
	assert_false(pi_stix_id_valid("indicator--" U "0", NULL));
	assert_false(pi_stix_id_valid("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3", NULL));
	assert_false(pi_stix_id_valid("indicator--8e2e2d2b-17d4-0cbf-938f-98ee46b3cd3f", NULL));
	assert_false(pi_stix_id_valid("indicator--8e2e2d2b-17d4-6cbf-938f-98ee46b3cd3f", NULL));
	assert_false(pi_stix_id_valid("indicator--8e2e2d2b-17d4-4cbf-c38f-98ee46b3cd3f", NULL));
	assert_false(pi_stix_id_valid("indicator--8e2e2d2b-17d4-4cbf-738f-98ee46b3cd3f", NULL));
	assert_false(pi_stix_id_valid("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3g", NULL));
	assert_false(pi_stix_id_valid("indicator--8e2e2d2b_17d4-4cbf-938f-98ee46b3cd3f", NULL));
	assert_false(pi_stix_id_valid("Indicator--" U, NULL));
	assert_false(pi_stix_id_valid("in--" U, NULL));
	assert_false(pi_stix_id_valid("x--y--" U, NULL));
	assert_false(pi_stix_id_valid("x-a---" U, NULL));
	assert_false(pi_stix_id_valid("1abc--" U, NULL));
	assert_false(pi_stix_id_valid("", NULL));
	assert_false(pi_stix_id_valid(NULL, NULL));
	assert_true(
	        pi_stix_marking_is_tlp("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"));
	assert_false(pi_stix_marking_is_tlp("marking-definition--" U));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(data_sets_validate),
	        cmocka_unit_test(valid_objects_pass),
	        cmocka_unit_test(refusals_name_property_and_rule),
	        cmocka_unit_test(marking_callback_decides),
	        cmocka_unit_test(exact_messages),
	        cmocka_unit_test(id_syntax),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
