/* member.c - field rules and JSON forms of members; see member.h. */
#include "store/member.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"

static const char *const org_types[] = {
        "postal-operator", "regulator", "pes-provider", "partner", "isac-operator"};

static int is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

pi_status pi_member_check_slug(const char *field, const char *s, struct pi_error *err)
{
	size_t n = s ? strnlen(s, PI_MEMBER_SLUG_MAX + 1) : 0;

	if (n < 2 || n > PI_MEMBER_SLUG_MAX)
		return pi_error_set(err, PI_ERR_INVALID,
		        "%s: must be 2 to %d characters long (got %zu%s)", field,
		        PI_MEMBER_SLUG_MAX, n, n > PI_MEMBER_SLUG_MAX ? " or more" : "");
	for (size_t i = 0; i < n; i++) {
		if (!is_lower_alnum(s[i]) && s[i] != '-')
			return pi_error_set(err, PI_ERR_INVALID,
			        "%s: character %zu is not allowed; use lower-case letters a-z, "
			        "digits and '-'",
			        field, i + 1);
	}
	if (s[0] == '-' || s[n - 1] == '-')
		return pi_error_set(err, PI_ERR_INVALID,
		        "%s: must start and end with a letter or digit, not '-'", field);
	return PI_OK;
}

pi_status pi_member_check_username(const char *s, struct pi_error *err)
{
	size_t n = s ? strnlen(s, PI_MEMBER_SLUG_MAX + 1) : 0;

	if (n < 2 || n > PI_MEMBER_SLUG_MAX)
		return pi_error_set(err, PI_ERR_INVALID,
		        "username: must be 2 to %d characters long (got %zu%s)", PI_MEMBER_SLUG_MAX,
		        n, n > PI_MEMBER_SLUG_MAX ? " or more" : "");
	for (size_t i = 0; i < n; i++) {
		if (!is_lower_alnum(s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
			return pi_error_set(err, PI_ERR_INVALID,
			        "username: character %zu is not allowed; use lower-case letters "
			        "a-z, digits, "
			        "'.', '_' and '-'",
			        i + 1);
	}
	if (!is_lower_alnum(s[0]))
		return pi_error_set(
		        err, PI_ERR_INVALID, "username: must start with a letter or digit");
	return PI_OK;
}

pi_status pi_member_check_org_type(const char *s, struct pi_error *err)
{
	for (size_t i = 0; s && i < sizeof(org_types) / sizeof(org_types[0]); i++)
		if (strcmp(s, org_types[i]) == 0)
			return PI_OK;
	return pi_error_set(err, PI_ERR_INVALID,
	        "type: '%.40s' is not an organisation type; use one of %s", s ? s : "",
	        PI_ORG_TYPES);
}

pi_status pi_member_check_country(const char *s, struct pi_error *err)
{
	if (!s || !*s)
		return PI_OK;
	if (strlen(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z')
		return pi_error_set(err, PI_ERR_INVALID,
		        "country: use a two-letter ISO 3166-1 code in capitals, such as DE or US "
		        "(or \"\" for none)");
	return PI_OK;
}

pi_status pi_member_check_email(const char *s, struct pi_error *err)
{
	size_t n;
	const char *at, *dot;

	if (!s || !*s)
		return PI_OK;
	n = strnlen(s, PI_MEMBER_NAME_MAX + 1);
	if (n > PI_MEMBER_NAME_MAX)
		return pi_error_set(
		        err, PI_ERR_INVALID, "email: longer than %d bytes", PI_MEMBER_NAME_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return pi_error_set(err, PI_ERR_INVALID,
			        "email: spaces and control characters are not allowed");
	at = strchr(s, '@');
	if (!at || at == s || strchr(at + 1, '@'))
		return pi_error_set(err, PI_ERR_INVALID,
		        "email: '%.80s' is not an e-mail address; use name@example.org", s);
	dot = strchr(at + 1, '.');
	if (!dot || dot == at + 1 || dot[1] == '\0' || s[n - 1] == '.')
		return pi_error_set(err, PI_ERR_INVALID,
		        "email: the domain of '%.80s' is not a dotted name; use name@example.org",
		        s);
	return PI_OK;
}

/* Length of the UTF-8 sequence at p (at most avail bytes), 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, size_t avail)
{
	size_t need;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		need = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		need = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		need = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (avail < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((need == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	        (need == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return need;
}

pi_status pi_member_check_text(
        const char *field, const char *s, size_t max, int required, struct pi_error *err)
{
	size_t n = s ? strnlen(s, max + 1) : 0;

	if (required && n == 0)
		return pi_error_set(err, PI_ERR_INVALID, "%s: must not be empty", field);
	if (n > max)
		return pi_error_set(
		        err, PI_ERR_INVALID, "%s: longer than %zu bytes; shorten it", field, max);
	for (size_t i = 0; i < n;) {
		const unsigned char *p = (const unsigned char *)s + i;
		size_t k = utf8_seq(p, n - i);

		if (k == 0)
			return pi_error_set(err, PI_ERR_INVALID, "%s: byte %zu is not valid UTF-8",
			        field, i + 1);
		if (k == 1 && (p[0] < 0x20 || p[0] == 0x7f))
			return pi_error_set(err, PI_ERR_INVALID,
			        "%s: control characters (such as new lines or tabs) are not "
			        "allowed",
			        field);
		i += k;
	}
	return PI_OK;
}

pi_status pi_member_check_role(const char *s, enum pi_role *out, struct pi_error *err)
{
	if (!s || pi_role_parse(s, out) != 0)
		return pi_error_set(err, PI_ERR_INVALID,
		        "role: '%.40s' is not a role; use one of admin, org-admin, analyst, "
		        "reporter, "
		        "regulator, read-only",
		        s ? s : "");
	return PI_OK;
}

void pi_member_password_generate(char *out, size_t size)
{
	/* no 0/O, 1/l/I: read aloud and typed from paper */
	static const char alphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	size_t n = size - 1 < PI_MEMBER_PASSWORD_GEN_LEN ? size - 1 : PI_MEMBER_PASSWORD_GEN_LEN;

	if (size == 0)
		return;
	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[randombytes_uniform((uint32_t)(sizeof(alphabet) - 1))];
	out[n] = '\0';
}

static pi_status put_time(struct pi_buf *b, const char *name, int64_t us)
{
	char text[PI_TIME_TEXT_LEN];

	if (pi_buf_printf(b, ",\"%s\":", name) != PI_OK)
		return PI_ERR_TOOBIG;
	if (us <= 0)
		return pi_buf_puts(b, "null");
	pi_time_format_us(us, text);
	return pi_buf_json_string(b, text);
}

/* Appends ,"name":"value" (or the first member without the comma when first). */
static pi_status put_str(struct pi_buf *b, const char *name, const char *value, int first)
{
	pi_status st = pi_buf_printf(b, "%s\"%s\":", first ? "" : ",", name);

	return st != PI_OK ? st : pi_buf_json_string(b, value);
}

pi_status pi_member_json_org(struct pi_buf *b, const struct pi_org *org)
{
	pi_status st = pi_buf_putc(b, '{');

	if (st == PI_OK)
		st = put_str(b, "slug", org->slug, 1);
	if (st == PI_OK)
		st = put_str(b, "name", org->name, 0);
	if (st == PI_OK)
		st = put_str(b, "type", org->type, 0);
	if (st == PI_OK)
		st = put_str(b, "country", org->country, 0);
	if (st == PI_OK)
		st = put_str(b, "identity_id", org->identity_id, 0);
	if (st == PI_OK)
		st = put_time(b, "created_at", org->created_at);
	if (st == PI_OK)
		st = pi_buf_putc(b, '}');
	return st;
}

pi_status pi_member_json_user(struct pi_buf *b, const struct pi_user *user, const char *org_slug)
{
	pi_status st = pi_buf_putc(b, '{');

	if (st == PI_OK)
		st = put_str(b, "username", user->username, 1);
	if (st == PI_OK)
		st = put_str(b, "org", org_slug, 0);
	if (st == PI_OK)
		st = put_str(b, "display_name", user->display_name, 0);
	if (st == PI_OK)
		st = put_str(b, "email", user->email, 0);
	if (st == PI_OK)
		st = put_str(b, "role", pi_role_name(user->role), 0);
	if (st == PI_OK)
		st = put_str(b, "identity_id", user->identity_id, 0);
	if (st == PI_OK)
		st = pi_buf_printf(b, ",\"disabled\":%s", user->disabled ? "true" : "false");
	if (st == PI_OK)
		st = put_time(b, "created_at", user->created_at);
	if (st == PI_OK)
		st = pi_buf_putc(b, '}');
	return st;
}

pi_status pi_member_json_token(struct pi_buf *b, const struct pi_token *token)
{
	pi_status st = pi_buf_printf(b, "{\"id\":%lld", (long long)token->id);

	if (st == PI_OK)
		st = put_str(b, "name", token->name, 0);
	if (st == PI_OK)
		st = put_str(b, "prefix", token->prefix, 0);
	if (st == PI_OK)
		st = put_time(b, "created_at", token->created_at);
	if (st == PI_OK)
		st = put_time(b, "last_used_at", token->last_used_at);
	if (st == PI_OK)
		st = pi_buf_printf(b, ",\"revoked\":%s}", token->revoked ? "true" : "false");
	return st;
}

pi_status pi_member_json_group(
        struct pi_buf *b, const struct pi_group *group, const char *collection_uuid, int close)
{
	pi_status st = pi_buf_putc(b, '{');

	if (st == PI_OK)
		st = put_str(b, "name", group->name, 1);
	if (st == PI_OK)
		st = put_str(b, "description", group->description, 0);
	if (st == PI_OK)
		st = put_time(b, "created_at", group->created_at);
	if (st == PI_OK)
		st = collection_uuid && *collection_uuid
		             ? put_str(b, "collection_id", collection_uuid, 0)
		             : pi_buf_puts(b, ",\"collection_id\":null");
	if (st == PI_OK && close)
		st = pi_buf_putc(b, '}');
	return st;
}
