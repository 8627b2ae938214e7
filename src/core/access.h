/* access.h - THE access decision. Every read path of the hub (TAXII objects, object,
 * manifest, versions, status, API listings, look-ups, exports) asks pi_access_allows;
 * nothing else decides who sees what.
 *
 * Model. A collection is a sharing scope: the community (every member organisation),
 * a sharing group (its member organisations) or one organisation's private collection.
 * Inside a scope the object's TLP narrows the audience (SPEC capability 2):
 *
 *   TLP            who may VIEW (besides being able to read the scope)
 *   CLEAR          anyone, the anonymous reader included
 *   GREEN          every authenticated reader of the scope
 *   AMBER          the creator's organisation, organisations named as recipients, users
 *                  named as recipients, and - in a sharing-group collection - the group's
 *                  member organisations
 *   AMBER+STRICT   as AMBER; never federated out of the hub
 *   RED            the creating user and the users named as recipients; nobody else, not
 *                  even others of the same organisation; never exported, never federated
 *   unmarked       the creator's organisation only
 *
 * Purposes: VIEW (read through the hub), EXPORT (feeds and bulk files a member takes away),
 * FEDERATE (sending to another hub or TAXII peer: CLEAR and GREEN only).
 * Hub administrators get no bypass: administering members is not reading their intelligence.
 */
#ifndef PI_CORE_ACCESS_H
#define PI_CORE_ACCESS_H

#include <stddef.h>
#include <stdint.h>

#include "core/tlp.h"

enum pi_role {
	PI_ROLE_NONE = 0, /* anonymous */
	PI_ROLE_ADMIN,    /* ISAC operator staff: administers the hub */
	PI_ROLE_ORG_ADMIN,
	PI_ROLE_ANALYST,
	PI_ROLE_REPORTER,
	PI_ROLE_REGULATOR,
	PI_ROLE_READONLY,
};

enum pi_scope_kind { PI_SCOPE_COMMUNITY = 1, PI_SCOPE_GROUP, PI_SCOPE_ORG };

enum pi_purpose { PI_PURPOSE_VIEW = 0, PI_PURPOSE_EXPORT, PI_PURPOSE_FEDERATE };

#define PI_PRINCIPAL_MAX_GROUPS 64

/* Who is asking. user_id 0 is the anonymous reader. */
struct pi_principal {
	int64_t user_id;
	int64_t org_id;
	enum pi_role role;
	size_t n_groups;
	int64_t group_ids[PI_PRINCIPAL_MAX_GROUPS]; /* sharing groups the user's org belongs to */
	char username[64];
};

/* What is being read: the scope it lives in and its markings. recipients is the
 * compact list the store keeps: comma-separated "o<org id>" and "u<user id>" entries. */
struct pi_acl {
	enum pi_scope_kind scope;
	int64_t scope_id; /* group id or org id; 0 for the community */
	enum pi_tlp tlp;
	int64_t owner_org;
	int64_t owner_user;
	const char *recipients;
};

/* Nonzero if the principal may read objects of this scope at all. */
int pi_access_can_read_scope(const struct pi_principal *p, enum pi_scope_kind scope,
	int64_t scope_id);
/* Nonzero if the principal may add objects to this scope (analyst, org-admin, admin). */
int pi_access_can_write_scope(const struct pi_principal *p, enum pi_scope_kind scope,
	int64_t scope_id);
/* The decision: nonzero if p may see the object for this purpose. */
int pi_access_allows(const struct pi_principal *p, const struct pi_acl *acl, enum pi_purpose purpose);
/* Nonzero if p may delete the object (a writer of the scope who may see it, from the
 * creating organisation, or a hub admin who may see it). */
int pi_access_can_delete(const struct pi_principal *p, const struct pi_acl *acl);

const char *pi_role_name(enum pi_role role);
/* Returns 0 and sets *out if name is a role name ("admin", "org-admin", ...), else -1. */
int pi_role_parse(const char *name, enum pi_role *out);

/* Nonzero if the compact recipient list contains the entry kind ('o' or 'u') with id. */
int pi_recipients_contain(const char *recipients, char kind, int64_t id);

#endif
