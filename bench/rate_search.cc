#include "bench/rate_search.h"

namespace sitrep::bench {

RateSearch::RateSearch(double start, double growth, int refinements,
                       int max_steps)
    : growth_(growth),
      refinements_left_(refinements),
      max_steps_(max_steps),
      rate_(start) {
  done_ = !(start > 0) || !(growth > 1) || max_steps < 1;
}

void RateSearch::Record(bool passed) {
  if (done_) return;
  ++steps_;
  if (passed) {
    best_ = rate_;
  } else {
    failed_ = rate_;
  }
  if (steps_ >= max_steps_) {
    done_ = true;
    return;
  }
  if (failed_ == 0) {  // still growing
    rate_ *= growth_;
    return;
  }
  if (best_ == 0) {  // nothing passed yet: shrink as it grew
    rate_ /= growth_;
    return;
  }
  if (refinements_left_ == 0) {
    done_ = true;
    return;
  }
  --refinements_left_;
  // Between the highest pass (or nothing) and the lowest failure.
  rate_ = (best_ + failed_) / 2;
}

}  // namespace sitrep::bench
