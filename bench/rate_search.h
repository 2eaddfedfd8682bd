// Which offered rates the replicas scenario's capacity search tries
// (bench/capacity_search.h): the sequence alone, without clocks or
// processes, so that it is tested on its own (tests/unit/bench).
#ifndef SITREP_BENCH_RATE_SEARCH_H_
#define SITREP_BENCH_RATE_SEARCH_H_

namespace sitrep::bench {

// Grows the rate by `growth` from `start` while steps pass, or shrinks it
// by `growth` while they fail and none has passed (a start above what the
// system carries must still find its capacity); once it has a pass and a
// failure, bisects between the highest pass and the lowest failure
// `refinements` times. At most `max_steps` steps in all. The answer is the
// highest rate that passed (0: none did).
//
//   RateSearch search(100, 1.5, 3, 12);
//   while (!search.done()) search.Record(RunStep(search.rate()));
//   double capacity = search.best();
//
// Thread safety: not thread-safe; one owner.
class RateSearch {
 public:
  // start > 0, growth > 1, refinements >= 0, max_steps >= 1.
  RateSearch(double start, double growth, int refinements, int max_steps);

  // The rate of the next step; meaningless once done().
  double rate() const { return rate_; }
  // The outcome of the step at rate().
  void Record(bool passed);
  bool done() const { return done_; }
  // The highest rate that passed; 0 when none did.
  double best() const { return best_; }
  // The lowest rate that failed; 0 when none did (the search ran out of
  // steps while growing: best() is a lower bound of the capacity).
  double lowest_failure() const { return failed_; }
  int steps() const { return steps_; }

 private:
  const double growth_;
  int refinements_left_;
  const int max_steps_;
  double rate_;
  double best_ = 0;
  double failed_ = 0;
  int steps_ = 0;
  bool done_ = false;
};

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_RATE_SEARCH_H_
