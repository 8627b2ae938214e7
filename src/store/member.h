/* member.h - the rules for the fields of members (organisations, users, API tokens, sharing
 * groups) and their JSON forms, shared by the JSON API (src/http/api.c) and the command line
 * (src/cli/cmd_org.c, cmd_user.c, cmd_group.c), so both refuse the same input with the same
 * words and print the same shapes.
 *
 * Checks take the field name for the message and fill err with what was wrong and what is
 * allowed. They never allocate. The JSON writers append one object to a capped buffer and
 * return its status (PI_ERR_TOOBIG when the cap is reached); the buffer is left with a partial
 * object on failure, so callers discard it.
 */
#ifndef PI_STORE_MEMBER_H
#define PI_STORE_MEMBER_H

#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"
#include "store/store.h"

#define PI_MEMBER_SLUG_MAX 63
#define PI_MEMBER_NAME_MAX 255 /* organisation name, display name, e-mail */
#define PI_MEMBER_TOKEN_NAME_MAX 127
#define PI_MEMBER_TOKEN_DEFAULT_NAME "unnamed" /* when the creator gives no name */
#define PI_MEMBER_DESCRIPTION_MAX 511
#define PI_MEMBER_PASSWORD_GEN_LEN 24

/* Organisation slug and sharing-group name: 2-63 of [a-z0-9-], starting and ending with a
 * letter or digit. */
pi_status pi_member_check_slug(const char *field, const char *s, struct pi_error *err);
/* User name: 2-63 of [a-z0-9._-], starting with a letter or digit. */
pi_status pi_member_check_username(const char *s, struct pi_error *err);
/* One of PI_ORG_TYPES. */
pi_status pi_member_check_org_type(const char *s, struct pi_error *err);
/* Empty, or two upper-case letters (ISO 3166-1 alpha-2). */
pi_status pi_member_check_country(const char *s, struct pi_error *err);
/* Empty, or one '@' with something before and a dotted domain after; no spaces or controls. */
pi_status pi_member_check_email(const char *s, struct pi_error *err);
/* Free text of at most max bytes: valid UTF-8, no control characters. required: not empty. */
pi_status pi_member_check_text(
        const char *field, const char *s, size_t max, int required, struct pi_error *err);
/* A role name (admin, org-admin, analyst, reporter, regulator, read-only) into *out. */
pi_status pi_member_check_role(const char *s, enum pi_role *out, struct pi_error *err);

/* Fills out (size >= PI_MEMBER_PASSWORD_GEN_LEN + 1) with a random password of
 * PI_MEMBER_PASSWORD_GEN_LEN characters from an alphabet without look-alikes (about 139 bits).
 * Needs pi_secret_init first. */
void pi_member_password_generate(char *out, size_t size);

/* {"slug","name","type","country","identity_id","created_at"} */
pi_status pi_member_json_org(struct pi_buf *b, const struct pi_org *org);
/* {"username","org","display_name","email","role","identity_id","disabled","created_at"};
 * org_slug names the user's organisation. Never a password or hash. */
pi_status pi_member_json_user(struct pi_buf *b, const struct pi_user *user, const char *org_slug);
/* {"id","name","prefix","created_at","last_used_at" (null if never),"revoked"}; never the
 * token or its hash. */
pi_status pi_member_json_token(struct pi_buf *b, const struct pi_token *token);
/* {"name","description","created_at","collection_id"}; collection_uuid may be "" (then null).
 * The caller may add members: pass close = 0 and append ",\"members\":[...]}" itself. */
pi_status pi_member_json_group(
        struct pi_buf *b, const struct pi_group *group, const char *collection_uuid, int close);

#endif
