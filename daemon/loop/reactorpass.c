#include "loop/reactorint.h"

#include <stdio.h>
#include <string.h>

#include "base/log.h"

/* SIGHUP and `reload`: the policy sections of the config file again ([deadlines],
 * [escalation], [retention], [vetting]). Deadlines already open keep the due time they were
 * given; what they do next (reminders, escalations) follows the new settings, through a
 * replan pass when what places timers changed. Any other setting changed is logged as
 * waiting for a restart. A bad file changes nothing: returns -1 with err naming the file,
 * line and key. */
int rx_policy_reload(struct reactor *R, const char *why, char err[CONFIG_ERR_MAX])
{
	static struct config cfg; /* large: not on the stack */
	const uint64_t placed = policy_timer_fingerprint(&R->policy);
	char later[CONFIG_ERR_MAX];
	struct policy p;

	if (config_load(&cfg, R->cfg->path, err) < 0 || policy_load(&p, &cfg, err) < 0) {
		log_error("%s: %s; the policy in force is unchanged", why, err);
		return -1;
	}
	policy_free(&R->policy);
	R->policy = p;
	log_notice("%s: policy reloaded from %s", why, R->cfg->path);
	if (config_restart_changes(R->cfg, &cfg, later, sizeof(later)) > 0)
		log_warn("%s: %s changed; not applied: that needs a restart", why, later);
	/* timers are placed (or a running pass places them) under the policy replaced */
	if (policy_timer_fingerprint(&R->policy) != placed)
		rx_replan_start(R, why);
	return 0;
}

int rx_reload_request(void *arg, const char *who, char err[CONFIG_ERR_MAX])
{
	char why[CLIENTS_NAME_MAX + 32];

	snprintf(why, sizeof(why), "reload by client %s", client_label(who));
	return rx_policy_reload(arg, why, err);
}

/* Timers already set follow the reminders, escalation interval and holidays now in force: a
 * pass over every live deadline, a bounded share a batch, moves them (due times stay as they
 * were). It starts at SIGHUP and at start-up when the store's timers were placed under other
 * settings (meta timer_policy: a restart with an edited config, or a pass a crash cut
 * short); it is idempotent, so a pass started again from the beginning is harmless. R->policy
 * is the policy in force: its fingerprint is taken here, once for the whole pass. */
void rx_replan_start(struct reactor *R, const char *why)
{
	R->replan.active = true;
	R->replan.after_len = 0;
	R->replan.moved = 0;
	R->replan.fp = policy_timer_fingerprint(&R->policy);
	log_notice("%s: replanning the deadline timers under the reminders and escalation "
		   "interval in force",
		   why);
}

/* The replan pass goes on where this batch left it, or ends. */
void rx_replan_advance(struct reactor *R, const struct batch_result *res)
{
	memcpy(R->replan.after, res->replan_next, res->replan_next_len);
	R->replan.after_len = res->replan_next_len;
	R->replan.moved += res->replanned;
	if (!res->replan_done)
		return;
	R->replan.active = false;
	log_notice("replan: %llu deadline timers moved to the reminders and escalation interval "
		   "in force",
		   (unsigned long long)R->replan.moved);
}

/* The reseal pass (reseal.h), asked for by the reseal command: from the first case record
 * to the last journal entry, a bounded share a batch, like the replan pass. */
void rx_reseal_start(struct reactor *R)
{
	R->reseal.running = true;
	R->reseal.cases = R->reseal.entries = R->reseal.failed = 0;
	R->reseal_at = (struct reseal_cursor){.db = DB_CASES};
	log_notice("reseal: sealing every case record and journal entry again under the current "
		   "seal key");
}

void rx_reseal_advance(struct reactor *R, const struct reseal_step *step)
{
	R->reseal_at = step->next;
	R->reseal.cases += step->cases;
	R->reseal.entries += step->entries;
	R->reseal.failed += step->failed;
	if (!step->done)
		return;
	R->reseal.running = false;
	if (R->reseal.failed)
		log_error("reseal: finished, but %llu values could not be sealed again (logged "
			  "above); the previous key is still needed",
			  (unsigned long long)R->reseal.failed);
	else
		log_notice("reseal: finished: %llu case records and %llu journal entries sealed "
			   "again; every value is under the current key",
			   (unsigned long long)R->reseal.cases,
			   (unsigned long long)R->reseal.entries);
}

/* Whether the reseal pass gets a share of the next batch: not while a job (a backup,
 * audit.verify, report.summary) keeps the map from growing. */
bool rx_reseal_may_run(const struct reactor *R)
{
	return R->reseal.running && !R->st.grow_blocked;
}
