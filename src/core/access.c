#include "core/access.h"

#include <stdlib.h>
#include <string.h>

static const char *const role_names[] = {"none", "admin", "org-admin", "analyst", "reporter",
	"regulator", "read-only"};

const char *pi_role_name(enum pi_role role)
{
	return (unsigned)role <= PI_ROLE_READONLY ? role_names[role] : "none";
}

int pi_role_parse(const char *name, enum pi_role *out)
{
	for (int i = PI_ROLE_ADMIN; i <= PI_ROLE_READONLY; i++) {
		if (name && strcmp(name, role_names[i]) == 0) {
			*out = (enum pi_role)i;
			return 0;
		}
	}
	return -1;
}

int pi_recipients_contain(const char *recipients, char kind, int64_t id)
{
	const char *p = recipients;

	while (p && *p) {
		char *end = NULL;
		long long v;

		if (*p == kind) {
			v = strtoll(p + 1, &end, 10);
			if (end != p + 1 && v == id && (*end == ',' || *end == '\0'))
				return 1;
		}
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return 0;
}

static int in_group(const struct pi_principal *p, int64_t group_id)
{
	for (size_t i = 0; i < p->n_groups && i < PI_PRINCIPAL_MAX_GROUPS; i++)
		if (p->group_ids[i] == group_id)
			return 1;
	return 0;
}

int pi_access_can_read_scope(const struct pi_principal *p, enum pi_scope_kind scope,
	int64_t scope_id)
{
	switch (scope) {
	case PI_SCOPE_COMMUNITY:
		return 1; /* the anonymous reader too, but it sees only CLEAR */
	case PI_SCOPE_GROUP:
		return p->user_id != 0 && in_group(p, scope_id);
	case PI_SCOPE_ORG:
		return p->user_id != 0 && p->org_id == scope_id;
	}
	return 0;
}

int pi_access_can_write_scope(const struct pi_principal *p, enum pi_scope_kind scope,
	int64_t scope_id)
{
	if (p->user_id == 0)
		return 0;
	if (p->role != PI_ROLE_ADMIN && p->role != PI_ROLE_ORG_ADMIN && p->role != PI_ROLE_ANALYST)
		return 0;
	return pi_access_can_read_scope(p, scope, scope_id);
}

static int amber_audience(const struct pi_principal *p, const struct pi_acl *acl)
{
	if (p->org_id == acl->owner_org)
		return 1;
	if (acl->scope == PI_SCOPE_GROUP && in_group(p, acl->scope_id))
		return 1;
	return pi_recipients_contain(acl->recipients, 'o', p->org_id) ||
		pi_recipients_contain(acl->recipients, 'u', p->user_id);
}

int pi_access_allows(const struct pi_principal *p, const struct pi_acl *acl, enum pi_purpose purpose)
{
	int anonymous = p->user_id == 0;

	if (!pi_access_can_read_scope(p, acl->scope, acl->scope_id))
		return 0;
	if (purpose == PI_PURPOSE_FEDERATE && acl->tlp != PI_TLP_CLEAR && acl->tlp != PI_TLP_GREEN)
		return 0;
	switch (acl->tlp) {
	case PI_TLP_CLEAR:
		return 1;
	case PI_TLP_GREEN:
		return !anonymous;
	case PI_TLP_AMBER:
	case PI_TLP_AMBER_STRICT:
		return !anonymous && amber_audience(p, acl);
	case PI_TLP_RED:
		if (anonymous || purpose != PI_PURPOSE_VIEW)
			return 0;
		return p->user_id == acl->owner_user || pi_recipients_contain(acl->recipients, 'u', p->user_id);
	case PI_TLP_UNMARKED:
		return !anonymous && p->org_id == acl->owner_org;
	}
	return 0;
}

int pi_access_can_delete(const struct pi_principal *p, const struct pi_acl *acl)
{
	if (!pi_access_allows(p, acl, PI_PURPOSE_VIEW))
		return 0;
	if (!pi_access_can_write_scope(p, acl->scope, acl->scope_id))
		return 0;
	return p->role == PI_ROLE_ADMIN || p->org_id == acl->owner_org;
}
