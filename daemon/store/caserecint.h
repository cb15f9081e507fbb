/* caserecint: what caserec.c (packing) and caserecload.c (loading) share and nothing outside
 * them uses (the interface is caserec.h): the stored names of the enums that have no name
 * function of their own. Not for other modules: include caserec.h. */
#ifndef CASERECINT_H
#define CASERECINT_H

#include "proto.h"
#include "case/wfcase.h"

/* enum dur_unit's stored names (a review_period's unit) */
extern const char *const caserec_unit_names[DUR_Y + 1];
/* enum wf_task_status's stored names (the vetting task's status) */
extern const char *const caserec_task_names[TASK_COUNT];

#endif
