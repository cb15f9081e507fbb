/* characteristics: the protected characteristics a subject may carry (REGISTERS.md
 * "Management data"), each field optional, each a fixed value list. They are for aggregates
 * only (report.summary): the daemon never shows them per case. */
#ifndef PROTO_CHARACTERISTICS_H
#define PROTO_CHARACTERISTICS_H

#include "proto.h"

extern const char *const proto_sexes[];
extern const char *const proto_ethnicities[]; /* ONS 2021 groups */
extern const char *const proto_age_bands[];
extern const char *const proto_disabilities[];
extern const char *const proto_religions[];
extern const char *const proto_sexual_orientations[];

/* The `characteristics` map of a subject: PF_END-terminated, nothing required. */
extern const struct proto_field proto_characteristics[];

/* The characteristics report.summary may group by, as field names, NULL-terminated. */
extern const char *const proto_characteristic_names[];

#endif
