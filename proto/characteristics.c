/* characteristics: see characteristics.h. The lists are REGISTERS.md's, in its order. */
#include "characteristics.h"

#include <stddef.h>

const char *const proto_sexes[] = {"female", "male", "not_stated", NULL};
const char *const proto_ethnicities[] = {"asian", "black",      "mixed", "white",
					 "other", "not_stated", NULL};
const char *const proto_age_bands[] = {"under_25", "25_34", "35_44", "45_54", "55_over", NULL};
const char *const proto_disabilities[] = {"yes", "no", "not_stated", NULL};
const char *const proto_religions[] = {"none",   "christian", "buddhist", "hindu",      "jewish",
				       "muslim", "sikh",      "other",    "not_stated", NULL};
const char *const proto_sexual_orientations[] = {"heterosexual", "gay_lesbian", "bisexual",
						 "other",        "not_stated",  NULL};

#define CHARACTERISTIC(n, vals)                                                                    \
	{                                                                                          \
		.name = (n), .type = PF_ENUM, .values = (vals)                                     \
	}

const struct proto_field proto_characteristics[] = {
    CHARACTERISTIC("sex", proto_sexes),
    CHARACTERISTIC("ethnicity", proto_ethnicities),
    CHARACTERISTIC("age_band", proto_age_bands),
    CHARACTERISTIC("disability", proto_disabilities),
    CHARACTERISTIC("religion", proto_religions),
    CHARACTERISTIC("sexual_orientation", proto_sexual_orientations),
    {.name = NULL, .type = PF_END},
};

const char *const proto_characteristic_names[] = {
    "sex", "ethnicity", "age_band", "disability", "religion", "sexual_orientation", NULL,
};
