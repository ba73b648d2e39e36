// The sampling and loss-scaling family: scalarization, temperature schedules (cooldown, heating),
// UniMax and Order Matters — their equations, their samplers' frequencies through the batcher,
// exact switches (also across a saved and restored batcher), caps, and suite-level validation.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <set>
#include <sstream>

#include "harness/grid/suite.h"
#include "harness/train/batcher.h"
#include "methods/method.h"
#include "suite_test_util.h"

using namespace longtail;
using namespace longtail::methods;
using longtail::test::suite_error;
using longtail::train::Batch;
using longtail::train::Batcher;
using longtail::train::ExampleLengths;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// Pseudo-random lengths in [lo, hi]; lo == hi gives batches without padding.
ExampleLengths lengths_for(const std::vector<int64_t>& sizes, int32_t lo, int32_t hi) {
  ExampleLengths l;
  uint32_t x = 777;
  for (int64_t n : sizes) {
    std::vector<int32_t> s(static_cast<size_t>(n)), t(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      x = x * 1664525u + 1013904223u;
      s[static_cast<size_t>(i)] = lo + static_cast<int32_t>((x >> 8) % static_cast<uint32_t>(hi - lo + 1));
      x = x * 1664525u + 1013904223u;
      t[static_cast<size_t>(i)] = lo + static_cast<int32_t>((x >> 8) % static_cast<uint32_t>(hi - lo + 1));
    }
    l.src_len.push_back(std::move(s));
    l.tgt_len.push_back(std::move(t));
  }
  return l;
}

std::vector<int64_t> tokens_of(const ExampleLengths& l) {
  std::vector<int64_t> t;
  for (size_t i = 0; i < l.src_len.size(); ++i) {
    int64_t sum = 0;
    for (size_t j = 0; j < l.src_len[i].size(); ++j) sum += l.src_len[i][j] + l.tgt_len[i][j];
    t.push_back(sum);
  }
  return t;
}

TrainingContext context(std::vector<int64_t> sizes, int64_t steps) {
  TrainingContext c;
  for (size_t i = 0; i < sizes.size(); ++i) c.languages.push_back("l" + std::to_string(i));
  c.train_pairs = std::move(sizes);
  c.total_steps = steps;
  return c;
}

// Pearson's χ² of counts against p (languages with p = 0 must have count 0).
double chi_square(const std::vector<double>& count, const std::vector<double>& p) {
  const double total = std::accumulate(count.begin(), count.end(), 0.0);
  double chi2 = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == 0) {
      if (count[i] > 0) return 1e300;
      continue;
    }
    const double e = p[i] * total;
    chi2 += (count[i] - e) * (count[i] - e) / e;
  }
  return chi2;
}

bool same_batch(const Batch& a, const Batch& b) {
  if (a.padded_tokens != b.padded_tokens || a.examples.size() != b.examples.size()) return false;
  for (size_t i = 0; i < a.examples.size(); ++i)
    if (a.examples[i].lang != b.examples[i].lang || a.examples[i].index != b.examples[i].index) return false;
  return true;
}

std::string write_suite(const std::string& name, const std::string& methods, int steps = 100) {
  return test::write_method_suite("longtail-test-method-suites", name, methods, steps);
}

}  // namespace

TEST_CASE("sampling family: every method is registered with its paper and defaults", "[methods]") {
  for (const char* name : {"proportional", "temperature", "uniform", "scalarization", "temperature_schedule", "cooldown",
                           "heating", "unimax", "order_matters"}) {
    INFO(name);
    const MethodSpec* spec = find_method(name);
    REQUIRE(spec != nullptr);
    CHECK_FALSE(spec->paper.empty());
    CHECK_FALSE(spec->summary.empty());
  }
  auto def = [](const char* method, const char* param) {
    for (const auto& o : find_method(method)->params)
      if (o.name == param) return json::serialize(o.default_value);
    return std::string("missing");
  };
  CHECK(def("scalarization", "tau") == "5E0");
  CHECK(def("cooldown", "tau_high") == "5E0");
  CHECK(def("cooldown", "tau_low") == "1E0");
  CHECK(def("cooldown", "switch_fraction") == "5E-1");
  CHECK(def("heating", "tau_start") == "1E0");
  CHECK(def("heating", "tau_end") == "5E0");
  CHECK(def("heating", "span_fraction") == "5E-1");
  CHECK(def("unimax", "epochs") == "1E0");
  CHECK(def("order_matters", "switch_fraction") == "5E-1");
}

TEST_CASE("scalarization: proportional sampling with w_i = p(i;τ)/p(i;1) (Theorem 1)", "[methods]") {
  const auto ctx = context({10000, 1000, 100}, 100);
  for (double tau : {1.0, 2.0, 5.0, 100.0}) {
    auto m = make_method("scalarization", {{"tau", tau}}, ctx);
    const auto p = m->sampling_distribution(0), w = m->loss_weights(0);
    const auto p1 = temperature_distribution(ctx.train_pairs, 1.0), pt = temperature_distribution(ctx.train_pairs, tau);
    REQUIRE(w.size() == 3);
    double expected_weight = 0;
    for (size_t i = 0; i < 3; ++i) {
      CHECK(p[i] == p1[i]);
      CHECK(w[i] == Approx(pt[i] / p1[i]));
      // (Σ_j n_j / n_i) · p(i;τ): the paper's other form of the same weight.
      CHECK(w[i] == Approx(11100.0 / static_cast<double>(ctx.train_pairs[i]) * pt[i]));
      expected_weight += p[i] * w[i];
    }
    CHECK(expected_weight == Approx(1.0));  // E_{i~p(·;1)}[w_i] = Σ p(i;τ) = 1
  }
  // τ = 1 is plain proportional training.
  for (double w : make_method("scalarization", {{"tau", 1.0}}, ctx)->loss_weights(0)) CHECK(w == Approx(1.0));
  // Fixed weights replace w_τ; unnamed languages keep 1.
  auto fixed = make_method("scalarization", {{"weights", {{"l0", 0.5}, {"l2", 4}}}}, ctx);
  CHECK(fixed->loss_weights(0) == std::vector<double>{0.5, 1.0, 4.0});
  CHECK_THROWS_WITH(make_method("scalarization", {{"weights", {{"l0", -1}}}}, ctx, "$.methods[3]"),
                    Catch::Contains("$.methods[3].params.weights.l0") && Catch::Contains("> 0"));
  CHECK_THROWS_WITH(make_method("scalarization", {{"weights", {{"xx", 2}}}}, ctx, "$.methods[3]"),
                    Catch::Contains("$.methods[3].params.weights.xx") && Catch::Contains("not a training language"));
}

TEST_CASE("cooldown: τ_high until t_switch, τ_low from exactly t_switch", "[methods]") {
  const auto ctx = context({20000, 3000, 50}, 1000);
  const auto p5 = temperature_distribution(ctx.train_pairs, 5.0), p1 = temperature_distribution(ctx.train_pairs, 1.0);
  auto m = make_method("cooldown", {}, ctx);  // defaults: 5 → 1 at ⌊0.5 · 1000⌋ = 500
  CHECK(m->sampling_distribution(0) == p5);
  CHECK(m->sampling_distribution(499) == p5);
  CHECK(m->sampling_distribution(500) == p1);
  CHECK(m->sampling_distribution(999) == p1);
  CHECK(m->loss_weights(0).empty());  // plain cross-entropy
  auto s = make_method("cooldown", {{"switch_step", 37}, {"tau_high", 3}, {"tau_low", 1.5}}, ctx);
  CHECK(s->sampling_distribution(36) == temperature_distribution(ctx.train_pairs, 3.0));
  CHECK(s->sampling_distribution(37) == temperature_distribution(ctx.train_pairs, 1.5));
  auto f = make_method("cooldown", {{"switch_fraction", 0.3}}, ctx);
  CHECK(f->sampling_distribution(299) == p5);
  CHECK(f->sampling_distribution(300) == p1);
}

TEST_CASE("heating: τ rises from τ_start to τ_end over the span, linear or stepwise", "[methods]") {
  const std::vector<int64_t> sizes{20000, 3000, 50};
  const auto ctx = context(sizes, 1000);
  auto lin = make_method("heating", {}, ctx);  // 1 → 5 over the first 500 steps
  CHECK(lin->sampling_distribution(0) == temperature_distribution(sizes, 1.0));
  CHECK(lin->sampling_distribution(250) == temperature_distribution(sizes, 3.0));
  CHECK(lin->sampling_distribution(500) == temperature_distribution(sizes, 5.0));
  CHECK(lin->sampling_distribution(999) == temperature_distribution(sizes, 5.0));
  // The low-resource share grows monotonically.
  for (int64_t t = 1; t <= 500; ++t) CHECK(lin->sampling_distribution(t)[2] > lin->sampling_distribution(t - 1)[2]);

  auto step = make_method("heating", {{"mode", "stepwise"}, {"stages", 4}, {"span_steps", 400}}, ctx);
  CHECK(step->sampling_distribution(99) == temperature_distribution(sizes, 1.0));
  CHECK(step->sampling_distribution(100) == temperature_distribution(sizes, 2.0));
  CHECK(step->sampling_distribution(299) == temperature_distribution(sizes, 3.0));
  CHECK(step->sampling_distribution(300) == temperature_distribution(sizes, 4.0));
  CHECK(step->sampling_distribution(399) == temperature_distribution(sizes, 4.0));
  CHECK(step->sampling_distribution(400) == temperature_distribution(sizes, 5.0));
}

TEST_CASE("temperature_schedule: knots by fraction or step, stepwise or linear; cooldown is a preset", "[methods]") {
  const std::vector<int64_t> sizes{20000, 3000, 50};
  const auto ctx = context(sizes, 1000);
  auto general = make_method("temperature_schedule", {}, ctx);  // default knots = Cooldown's
  auto cooldown = make_method("cooldown", {}, ctx);
  for (int64_t t : {0, 1, 499, 500, 501, 999}) CHECK(general->sampling_distribution(t) == cooldown->sampling_distribution(t));
  json::array knots{json::object{{"step", 0}, {"tau", 1}}, json::object{{"at", 0.2}, {"tau", 3}}, json::object{{"step", 600}, {"tau", 2}}};
  auto lin = make_method("temperature_schedule", {{"knots", knots}, {"interpolation", "linear"}}, ctx);
  CHECK(lin->sampling_distribution(100) == temperature_distribution(sizes, 2.0));
  CHECK(lin->sampling_distribution(400) == temperature_distribution(sizes, 2.5));
  CHECK(lin->sampling_distribution(800) == temperature_distribution(sizes, 2.0));
  TemperatureSchedule sched({{0, 5}, {10, 5}, {10, 1}}, TemperatureSchedule::Mode::Linear);
  CHECK(sched.tau(9) == 5.0);
  CHECK(sched.tau(10) == 1.0);  // two knots at one step: a jump
}

TEST_CASE("each sampler's empirical language frequencies match its p (chi-square, fixed seed)", "[methods][batcher]") {
  const std::vector<int64_t> sizes{4000, 1500, 400, 100, 30};
  const auto lengths = lengths_for(sizes, 4, 30);
  auto ctx = context(sizes, 100000);
  ctx.train_tokens = tokens_of(lengths);
  ctx.batch_tokens = 1024;
  ctx.high_resource = {true, true, false, false, false};
  struct Case {
    const char* name;
    json::object params;
    std::vector<double> expected;
  };
  std::vector<Case> cases{
      {"proportional", {}, temperature_distribution(sizes, 1.0)},
      {"temperature", {{"tau", 2.0}}, temperature_distribution(sizes, 2.0)},
      {"temperature", {{"tau", 5.0}}, temperature_distribution(sizes, 5.0)},
      {"uniform", {}, std::vector<double>(5, 0.2)},
      {"scalarization", {{"tau", 5.0}}, temperature_distribution(sizes, 1.0)},
      {"cooldown", {}, temperature_distribution(sizes, 5.0)},  // before its switch
      {"order_matters", {}, temperature_distribution({4000, 1500, 0, 0, 0}, 1.0)},
  };
  for (const auto& c : cases) {
    INFO(c.name << " " << json::serialize(c.params));
    auto m = make_method(c.name, c.params, ctx);
    Batcher b(lengths, 1024, 16, 31337);
    std::vector<double> count(sizes.size(), 0.0);
    double total = 0;
    for (int64_t step = 0; total < 30000; ++step)
      for (const auto& e : b.next(m->sampling_distribution(step)).examples) count[static_cast<size_t>(e.lang)] += 1, total += 1;
    // 4 degrees of freedom: P(χ² > 18.47) = 0.001.
    CHECK(chi_square(count, c.expected) < 18.47);
  }
}

TEST_CASE("batcher: a change of p takes effect at exactly that step and loses no example", "[methods][batcher]") {
  const auto lengths = lengths_for({300, 300}, 4, 20);
  Batcher b(lengths, 256, 8, 3);
  std::vector<int64_t> trained(2, 0);
  for (int step = 0; step < 40; ++step) {
    const std::vector<double> p = step < 13 ? std::vector<double>{1.0, 0.0} : std::vector<double>{0.0, 1.0};
    for (const auto& e : b.next(p).examples) {
      CHECK(e.lang == (step < 13 ? 0 : 1));
      ++trained[static_cast<size_t>(e.lang)];
    }
  }
  // Language 0's undelivered draws went back to its stream: drawn = trained.
  CHECK(b.consumed()[0] == trained[0]);
  // ... and are the next ones drawn when it comes back. Stream line of the state:
  // "epoch pos consumed n n_returned returned...".
  auto stream0 = [](const std::string& state) {
    std::istringstream in(state);
    std::string line;
    std::getline(in, line);
    std::getline(in, line);
    std::istringstream f(line);
    int64_t epoch = 0, pos = 0, consumed = 0, n = 0, n_ret = 0;
    f >> epoch >> pos >> consumed >> n >> n_ret;
    std::vector<int64_t> ret(static_cast<size_t>(n_ret));
    for (auto& x : ret) f >> x;
    return std::make_pair(pos, ret);
  };
  Batcher c(lengths, 256, 8, 3);
  std::set<int64_t> delivered;
  for (int step = 0; step < 13; ++step)
    for (const auto& e : c.next({1.0, 0.0}).examples) delivered.insert(e.index);
  c.next({0.0, 1.0});
  const auto [pos, returned] = stream0(c.save_state());
  CHECK_FALSE(returned.empty());
  std::set<int64_t> all(delivered);
  for (int64_t x : returned) CHECK(all.insert(x).second);    // given back = drawn but never delivered
  CHECK(static_cast<int64_t>(all.size()) == pos);            // and together they are the whole stream so far
  c.next({1.0, 0.0});                                        // the refill draws the given-back ones first
  CHECK(stream0(c.save_state()).second.empty());
}

TEST_CASE("schedules survive a save/load of the batcher around their switch", "[methods][batcher]") {
  const std::vector<int64_t> sizes{2000, 500, 60};
  const auto lengths = lengths_for(sizes, 3, 25);
  const auto ctx = context(sizes, 80);
  for (const char* name : {"cooldown", "heating"}) {  // heating: p changes every step (given-back examples)
    INFO(name);
    auto m = make_method(name, {}, ctx);
    Batcher a(lengths, 300, 6, 17);
    std::vector<Batch> reference;
    for (int64_t t = 0; t < 80; ++t) reference.push_back(a.next(m->sampling_distribution(t)));
    for (int64_t cut : {25, 39, 40, 41, 63}) {
      INFO("cut at " << cut);
      Batcher first(lengths, 300, 6, 17);
      for (int64_t t = 0; t < cut; ++t) REQUIRE(same_batch(first.next(m->sampling_distribution(t)), reference[static_cast<size_t>(t)]));
      const std::string state = first.save_state();
      Batcher resumed(lengths, 300, 6, 17);
      resumed.load_state(state);
      auto m2 = make_method(name, {}, ctx);  // a fresh method: schedules are functions of the step
      for (int64_t t = cut; t < 80; ++t) CHECK(same_batch(resumed.next(m2->sampling_distribution(t)), reference[static_cast<size_t>(t)]));
    }
  }
}

TEST_CASE("unimax: uniform budget, N-epoch caps, leftover to the others (Algorithm 1)", "[methods]") {
  TrainingContext ctx = context({1000, 100, 10}, 100);
  ctx.train_tokens = {100000, 10000, 1000};
  ctx.batch_tokens = 600;  // budget 60,000 tokens
  auto m = make_method("unimax", {{"epochs", 2}}, ctx);
  // Ascending: l2 gets min(20000, 2·1000) = 2000; l1 min(29000, 20000) = 20000; l0 the rest 38000.
  const auto p = m->sampling_distribution(0);
  CHECK(p[2] == Approx(2000.0 / 60000));
  CHECK(p[1] == Approx(20000.0 / 60000));
  CHECK(p[0] == Approx(38000.0 / 60000));
  CHECK(m->example_caps() == std::vector<int64_t>{2000, 200, 20});
  // A budget larger than N epochs of everything is refused, naming the N that would fit.
  ctx.batch_tokens = 10000;  // 1,000,000 tokens > 2 · 111,000
  CHECK_THROWS_WITH(make_method("unimax", {{"epochs", 2}}, ctx, "$.methods[0]"),
                    Catch::Contains("$.methods[0].params.epochs") && Catch::Contains("epochs ≥ 9.01"));
}

TEST_CASE("unimax turns token budgets into example probabilities by mean pair length", "[methods]") {
  // Two uncapped languages with equal budgets, one of 40-token pairs and one of 10-token pairs: the
  // short one must be drawn 4× as often to get the same tokens.
  TrainingContext ctx = context({1000, 1000}, 100);
  ctx.train_tokens = {40000, 10000};
  ctx.batch_tokens = 100;  // budget 10,000 tokens: 5,000 each, both under one epoch
  auto m = make_method("unimax", {{"epochs", 1}}, ctx);
  const auto p = m->sampling_distribution(0);
  CHECK(p[1] == Approx(4 * p[0]));
  CHECK(p[0] * 40 == Approx(p[1] * 10));  // expected tokens per drawn example: equal budgets
  // A capped language of short pairs: U = N·c (its N epochs), drawn U / T times as examples.
  ctx = context({5000, 50}, 100);
  ctx.train_tokens = {100000, 500};  // 20 and 10 tokens per pair
  ctx.batch_tokens = 200;            // budget 20,000: the small language is capped at 500 tokens
  m = make_method("unimax", {{"epochs", 1}}, ctx);
  const auto q = m->sampling_distribution(0);
  // Token shares: 500 and 19,500 → examples 500 / 10 = 50 and 19,500 / 20 = 975.
  CHECK(q[1] == Approx(50.0 / (50 + 975)));
  CHECK(q[0] == Approx(975.0 / (50 + 975)));
}

TEST_CASE("unimax never draws a language beyond its epoch cap", "[methods][batcher]") {
  // Fixed lengths (no padding): the budget is used in full, so the small languages run into
  // their caps and sampling noise would push them over without the batcher's caps.
  const std::vector<int64_t> sizes{3000, 400, 60, 25};
  const auto lengths = lengths_for(sizes, 10, 10);
  TrainingContext ctx = context(sizes, 50);
  ctx.train_tokens = tokens_of(lengths);
  ctx.batch_tokens = 400;  // 20 examples a step, 1000 examples over the run
  auto m = make_method("unimax", {{"epochs", 1}}, ctx);
  const auto caps = m->example_caps();
  CHECK(caps == std::vector<int64_t>{3000, 400, 60, 25});
  auto run = [&](bool with_caps) {
    Batcher b(lengths, 400, 4, 11);
    if (with_caps) b.set_caps(caps);
    std::vector<int64_t> trained(sizes.size(), 0), most(sizes.size(), 0);
    for (int64_t t = 0; t < 50; ++t) {
      for (const auto& e : b.next(m->sampling_distribution(t)).examples) ++trained[static_cast<size_t>(e.lang)];
      for (size_t l = 0; l < sizes.size(); ++l) most[l] = std::max(most[l], b.consumed()[l]);
    }
    return std::make_pair(trained, most);
  };
  const auto [trained, drawn] = run(true);
  for (size_t l = 0; l < sizes.size(); ++l) {
    INFO("language " << l);
    CHECK(trained[l] <= caps[l]);
    CHECK(drawn[l] <= caps[l]);
  }
  CHECK(trained[3] + trained[2] >= 70);  // the small ones do get (nearly) all their epochs
  const auto uncapped = run(false);
  bool over = false;
  for (size_t l = 0; l < sizes.size(); ++l) over = over || uncapped.second[l] > caps[l];
  CHECK(over);  // without the caps the same draws overshoot: the test can fail
}

TEST_CASE("order_matters: no low-resource language before the switch, all languages after", "[methods][batcher]") {
  const std::vector<int64_t> sizes{3000, 2000, 200, 50};
  const auto lengths = lengths_for(sizes, 4, 20);
  TrainingContext ctx = context(sizes, 200);
  ctx.high_resource = {true, true, false, false};
  auto m = make_method("order_matters", {{"switch_step", 120}}, ctx);
  Batcher b(lengths, 256, 8, 5);
  std::vector<int64_t> low_after(2, 0);
  for (int64_t t = 0; t < 200; ++t)
    for (const auto& e : b.next(m->sampling_distribution(t)).examples) {
      if (t < 120) CHECK(e.lang < 2);
      else if (e.lang >= 2) ++low_after[static_cast<size_t>(e.lang - 2)];
    }
  CHECK(low_after[0] > 0);
  CHECK(low_after[1] > 0);
  CHECK(m->sampling_distribution(120) == temperature_distribution(sizes, 5.0));
  ctx.high_resource = {false, false, false, false};
  CHECK_THROWS_WITH(make_method("order_matters", {}, ctx, "$.methods[5]"), Catch::Contains("$.methods[5].params"));
}

TEST_CASE("bad hyper-parameters are suite errors naming the file and the JSON path", "[methods][suite]") {
  struct Bad {
    const char* methods;
    const char* expected_path;
    const char* expected_what;
  };
  for (const Bad& b : std::vector<Bad>{
           {R"([{"name": "uniform"}, {"name": "temperature", "params": {"tau": 0}}])", "$.methods[1].params.tau", "> 0"},
           {R"([{"name": "scalarization", "params": {"tau": -2}}])", "$.methods[0].params.tau", "> 0"},
           {R"([{"name": "cooldown", "params": {"tau_low": 0}}])", "$.methods[0].params.tau_low", "> 0"},
           {R"([{"name": "cooldown", "params": {"t_switch": 10}}])", "$.methods[0].params.t_switch", "unknown"},
           {R"([{"name": "cooldown", "params": {"switch_step": 101}}])", "$.methods[0].params.switch_step", "beyond the step budget"},
           {R"([{"name": "cooldown", "params": {"switch_fraction": 1.5}}])", "$.methods[0].params.switch_fraction", "<= 1"},
           {R"([{"name": "heating", "params": {"span_steps": 500}}])", "$.methods[0].params.span_steps", "beyond the step budget"},
           {R"([{"name": "order_matters", "params": {"switch_step": 1000}}])", "$.methods[0].params.switch_step", "beyond the step budget"},
           {R"([{"name": "unimax", "params": {"epochs": 0}}])", "$.methods[0].params.epochs", "> 0"},
           {R"([{"name": "scalarization", "params": {"weights": {"fr": 1, "xx": 2}}}])", "$.methods[0].params.weights.xx", "not a training language"},
           {R"([{"name": "temperature_schedule", "params": {"knots": [{"at": 0, "tau": 5}, {"step": 200, "tau": 1}]}}])",
            "$.methods[0].params.knots[1].step", "beyond the step budget"},
           {R"([{"name": "temperature_schedule", "params": {"knots": [{"at": 0, "tau": 5}, {"at": 0.5, "tau": -1}]}}])",
            "$.methods[0].params.knots[1].tau", "> 0"},
           {R"([{"name": "temperature_schedule", "params": {"knots": [{"at": 0.1, "tau": 5}]}}])", "$.methods[0].params.knots[0]", "step 0"},
           {R"([{"name": "nope"}])", "$.methods[0].name", "unknown method"},
       }) {
    INFO(b.methods);
    const std::string file = write_suite("bad.json", b.methods);
    const std::string err = suite_error(file);
    CHECK_THAT(err, Catch::StartsWith(file) && Catch::Contains(b.expected_path) && Catch::Contains(b.expected_what));
  }
  // The same methods with sound values load.
  CHECK(suite_error(write_suite("good.json", R"([{"name": "cooldown", "params": {"switch_step": 100}},
      {"name": "heating", "params": {"mode": "stepwise"}}, {"name": "unimax", "params": {"epochs": 3}},
      {"name": "scalarization", "params": {"weights": {"kk": 4}}}, {"name": "order_matters"},
      {"name": "temperature_schedule", "params": {"interpolation": "linear"}}])")) == "");
}
