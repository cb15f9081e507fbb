/* registry: the case kinds the engine drives, one line each (STYLE.md "Layout"). A new kind
 * is its folder under kinds/ and its line here. */
#include "engine/kind.h"
#include "kinds/bi/bi.h"
#include "kinds/cr/cr.h"
#include "kinds/gh/gh.h"
#include "kinds/na/na.h"
#include "kinds/wr/wr.h"

static const struct wf_kind *const kinds[KIND_COUNT] = {
    [KIND_NA] = &wf_kind_na,
    [KIND_CR] = &wf_kind_cr,
    [KIND_WR] = &wf_kind_wr,
    [KIND_GH] = &wf_kind_gh,
    [KIND_BI] = &wf_kind_bi,
};

const struct wf_kind *wf_kind_of(enum proto_kind k)
{
	return (unsigned)k < KIND_COUNT ? kinds[k] : NULL;
}
