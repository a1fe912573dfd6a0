package numbers

import "github.com/numberdesk/numberdesk"

// PlanCacheSize reports what the compiled-plan cache of s holds: the plans
// of tenant, the plans of all tenants, the number of tenants, and how many
// plans and block lists it has compiled so far.
func PlanCacheSize(s *Service, tenant numberdesk.TenantID) (plans, total, tenants int, compiles int64) {
	plans, total, tenants = s.plans.size(tenant)
	if s.plans != nil {
		compiles = s.plans.compiles.Load()
	}
	return plans, total, tenants, compiles
}
