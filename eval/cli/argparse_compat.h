// A command-line parser that behaves like Python 3.11's argparse for the features sacreBLEU's CLI
// uses, so that `longtail score` accepts exactly the command lines `sacrebleu` accepts:
// single-dash options with several letters (`-tok`, `-nr`, `-pbsn`), unique-prefix abbreviations
// (`--quie`, `-to`), `--opt=value` / `-opt=value`, a one-letter option glued to its value (`-w2`)
// or to further one-letter flags (`-qb`), greedy `nargs='*'`/`'+'` lists that stop at the next
// option, one `nargs='*'` positional that takes the first run of plain arguments, negative
// numbers as values, `--`, mutually exclusive flags, and `-h`/`-V` acting when they are reached.
// CLI11 (used by the rest of the driver) has no multi-letter single-dash options nor argparse's
// prefix rules, hence this file.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace longtail::eval::cli {

// A usage error: argparse prints it with the usage line and exits with status 2.
class ArgparseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Nargs { kFlag, kOne, kZeroOrMore, kOneOrMore };

struct ArgSpec {
  std::string dest;
  std::vector<std::string> option_strings;  // empty for the positional
  Nargs nargs = Nargs::kOne;
  // type=int / type=float: checked when the action is taken, as argparse does ("invalid int value").
  enum class Type { kString, kInt, kFloat } type = Type::kString;
  std::vector<std::string> choices;         // empty: anything
  std::string help;
  std::string metavar;
  // Special actions: run when reached, as argparse's 'help' and 'version' actions (parse stops).
  enum class Kind { kStore, kHelp, kVersion } kind = Kind::kStore;
  int mutex_group = -1;
  // Extra valid choices that argparse would not list (checked by `accept_extra`), e.g. tokenizers
  // registered at run time.
  bool (*accept_extra)(const std::string&) = nullptr;
};

struct ParsedArgs {
  std::map<std::string, std::vector<std::string>> values;  // dest -> strings (flags: {} when given)
  std::optional<ArgSpec::Kind> stopped_at;                 // help or version reached

  bool has(const std::string& dest) const { return values.count(dest) > 0; }
  const std::vector<std::string>* get(const std::string& dest) const {
    auto it = values.find(dest);
    return it == values.end() ? nullptr : &it->second;
  }
};

class ArgParser {
 public:
  // Options are looked up in the order they are added (argparse's order; -h/--help first).
  void add(ArgSpec spec) { specs_.push_back(std::move(spec)); }
  const std::vector<ArgSpec>& specs() const { return specs_; }
  // Throws ArgparseError with argparse's message (ambiguous option, expected one argument,
  // invalid choice, not allowed with argument, unrecognized arguments, ignored explicit argument).
  ParsedArgs parse(const std::vector<std::string>& args) const;

 private:
  std::vector<ArgSpec> specs_;
};

// Python int(s) for a base-10 string (surrounding whitespace, one sign, '_' between digits);
// nullopt where int() raises ValueError or the value does not fit in a long long.
std::optional<long long> parse_python_int(const std::string& s);
// Python float(s) (also inf, infinity, nan in any case); nullopt where float() raises.
std::optional<double> parse_python_float_arg(const std::string& s);

}  // namespace longtail::eval::cli
