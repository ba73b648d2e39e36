// Python 3.11 argparse's parsing algorithm (ArgumentParser._parse_known_args), reduced to the
// actions sacreBLEU uses; see argparse_compat.h.
#include "eval/cli/argparse_compat.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <set>

#include "eval/scorer/python_number.h"

namespace longtail::eval::cli {

namespace {

bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f); }

std::string strip_ascii(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string without_underscores(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != '_') out += c;
  return out;
}

// Python repr() of an ASCII-ish str, for messages that quote a value as argparse does.
std::string quoted(const std::string& s) { return "'" + s + "'"; }

// argparse's "-x/--long" name of an action.
std::string action_name(const ArgSpec& spec) {
  if (spec.option_strings.empty()) return spec.metavar.empty() ? spec.dest : spec.metavar;
  std::string out;
  for (const auto& o : spec.option_strings) out += (out.empty() ? "" : "/") + o;
  return out;
}

bool negative_number_like(const std::string& s) {
  // '^-\d+$|^-\d*\.\d+$'
  if (s.size() < 2 || s[0] != '-') return false;
  std::size_t i = 1;
  while (i < s.size() && is_digit(s[i])) ++i;
  if (i == s.size()) return true;
  if (s[i] != '.') return false;
  const std::size_t j = ++i;
  while (i < s.size() && is_digit(s[i])) ++i;
  return i == s.size() && i > j;
}

struct OptionTuple {
  const ArgSpec* spec = nullptr;  // null: an unknown option
  std::string option_string;
  std::optional<std::string> explicit_arg;
};

}  // namespace

std::optional<long long> parse_python_int(const std::string& text) {
  const std::string s = strip_ascii(text);
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (eval::python_number::scan_digitpart(s, i) != s.size()) return std::nullopt;
  errno = 0;
  const long long v = std::strtoll(without_underscores(s).c_str(), nullptr, 10);
  if (errno == ERANGE) return std::nullopt;
  return v;
}

std::optional<double> parse_python_float_arg(const std::string& text) {
  return eval::python_number::parse_float(strip_ascii(text));
}

ParsedArgs ArgParser::parse(const std::vector<std::string>& args) const {
  // Every option string in the order argparse registered them.
  std::vector<std::pair<std::string, const ArgSpec*>> options;
  const ArgSpec* positional = nullptr;
  for (const auto& spec : specs_) {
    if (spec.option_strings.empty()) positional = &spec;
    for (const auto& o : spec.option_strings) options.emplace_back(o, &spec);
  }
  const auto find_option = [&options](const std::string& s) -> const ArgSpec* {
    for (const auto& [name, spec] : options)
      if (name == s) return spec;
    return nullptr;
  };

  // _parse_optional: classify each argument as an option ('O') or a plain argument ('A').
  const auto parse_optional = [&](const std::string& arg) -> std::optional<OptionTuple> {
    if (arg.empty() || arg[0] != '-') return std::nullopt;
    if (const ArgSpec* spec = find_option(arg)) return OptionTuple{spec, arg, std::nullopt};
    if (arg.size() == 1) return std::nullopt;
    const std::size_t eq = arg.find('=');
    if (eq != std::string::npos)
      if (const ArgSpec* spec = find_option(arg.substr(0, eq))) return OptionTuple{spec, arg.substr(0, eq), arg.substr(eq + 1)};
    std::vector<OptionTuple> tuples;
    if (arg[1] == '-') {
      const std::string prefix = eq == std::string::npos ? arg : arg.substr(0, eq);
      std::optional<std::string> explicit_arg;
      if (eq != std::string::npos) explicit_arg = arg.substr(eq + 1);
      for (const auto& [name, spec] : options)
        if (name.compare(0, prefix.size(), prefix) == 0) tuples.push_back({spec, name, explicit_arg});
    } else {
      const std::string short_prefix = arg.substr(0, 2);
      for (const auto& [name, spec] : options) {
        if (name == short_prefix)
          tuples.push_back({spec, name, arg.substr(2)});
        else if (name.compare(0, arg.size(), arg) == 0)
          tuples.push_back({spec, name, std::nullopt});
      }
    }
    if (tuples.size() > 1) {
      std::string matches;
      for (const auto& t : tuples) matches += (matches.empty() ? "" : ", ") + t.option_string;
      throw ArgparseError("ambiguous option: " + arg + " could match " + matches);
    }
    if (tuples.size() == 1) return tuples[0];
    if (negative_number_like(arg)) return std::nullopt;
    if (arg.find(' ') != std::string::npos) return std::nullopt;
    return OptionTuple{nullptr, arg, std::nullopt};
  };

  std::map<std::size_t, OptionTuple> option_indices;
  std::string pattern;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--") {
      pattern += '-';
      pattern += std::string(args.size() - i - 1, 'A');
      break;
    }
    if (auto t = parse_optional(args[i])) {
      option_indices[i] = *t;
      pattern += 'O';
    } else {
      pattern += 'A';
    }
  }

  ParsedArgs result;
  std::set<const ArgSpec*> seen_non_default;
  std::vector<std::string> extras;

  // _match_argument: how many of the upcoming pattern characters the action's nargs takes.
  const auto match_argument = [](const ArgSpec& spec, const std::string& p) -> std::size_t {
    std::size_t i = 0;
    switch (spec.nargs) {
      case Nargs::kFlag:  // '(-*)'
        while (i < p.size() && p[i] == '-') ++i;
        return i;
      case Nargs::kOne:  // '(-*A-*)'
        while (i < p.size() && p[i] == '-') ++i;
        if (i >= p.size() || p[i] != 'A') throw ArgparseError("argument " + action_name(spec) + ": expected one argument");
        ++i;
        while (i < p.size() && p[i] == '-') ++i;
        return i;
      case Nargs::kZeroOrMore:  // '(-*[A-]*)'
        while (i < p.size() && (p[i] == 'A' || p[i] == '-')) ++i;
        return i;
      case Nargs::kOneOrMore: {  // '(-*A[A-]*)'
        while (i < p.size() && p[i] == '-') ++i;
        if (i >= p.size() || p[i] != 'A')
          throw ArgparseError("argument " + action_name(spec) + ": expected at least one argument");
        while (i < p.size() && (p[i] == 'A' || p[i] == '-')) ++i;
        return i;
      }
    }
    return 0;
  };

  // take_action: _get_values (first '--' dropped, choices checked), mutual exclusion, store.
  const auto take_action = [&](const ArgSpec& spec, std::vector<std::string> values) {
    auto dash = std::find(values.begin(), values.end(), "--");
    if (dash != values.end()) values.erase(dash);
    for (const auto& v : values) {
      if (spec.type == ArgSpec::Type::kInt && !parse_python_int(v))
        throw ArgparseError("argument " + action_name(spec) + ": invalid int value: " + quoted(v));
      if (spec.type == ArgSpec::Type::kFloat && !parse_python_float_arg(v))
        throw ArgparseError("argument " + action_name(spec) + ": invalid float value: " + quoted(v));
    }
    for (const auto& v : values) {
      if (spec.choices.empty() || std::find(spec.choices.begin(), spec.choices.end(), v) != spec.choices.end()) continue;
      if (spec.accept_extra && spec.accept_extra(v)) continue;
      std::string list;
      for (const auto& c : spec.choices) list += (list.empty() ? "" : ", ") + quoted(c);
      throw ArgparseError("argument " + action_name(spec) + ": invalid choice: " + quoted(v) + " (choose from " + list + ")");
    }
    if (!spec.option_strings.empty() || !values.empty()) {
      if (spec.mutex_group >= 0)
        for (const ArgSpec* other : seen_non_default)
          if (other != &spec && other->mutex_group == spec.mutex_group)
            throw ArgparseError("argument " + action_name(spec) + ": not allowed with argument " + action_name(*other));
      seen_non_default.insert(&spec);
    }
    if (spec.kind != ArgSpec::Kind::kStore) {
      result.stopped_at = spec.kind;
      return;
    }
    result.values[spec.dest] = std::move(values);
  };

  const auto consume_optional = [&](std::size_t start) -> std::size_t {
    OptionTuple t = option_indices.at(start);
    std::vector<std::pair<const ArgSpec*, std::vector<std::string>>> actions;
    std::size_t stop = start + 1;
    while (true) {
      if (!t.spec) {
        extras.push_back(args[start]);
        return start + 1;
      }
      if (t.explicit_arg) {
        const std::size_t count = t.spec->nargs == Nargs::kFlag ? 0 : 1;
        if (count == 0 && t.option_string[1] != '-' && !t.explicit_arg->empty()) {
          // A one-letter flag glued to more one-letter options: -qb.
          actions.push_back({t.spec, {}});
          const std::string next = std::string("-") + (*t.explicit_arg)[0];
          const ArgSpec* spec = find_option(next);
          if (!spec) throw ArgparseError("argument " + action_name(*t.spec) + ": ignored explicit argument " + quoted(*t.explicit_arg));
          const std::string rest = t.explicit_arg->substr(1);
          t = OptionTuple{spec, next, rest.empty() ? std::nullopt : std::optional<std::string>(rest)};
          continue;
        }
        if (count == 1) {
          actions.push_back({t.spec, {*t.explicit_arg}});
          stop = start + 1;
          break;
        }
        throw ArgparseError("argument " + action_name(*t.spec) + ": ignored explicit argument " + quoted(*t.explicit_arg));
      }
      const std::size_t count = match_argument(*t.spec, pattern.substr(start + 1));
      actions.push_back({t.spec, std::vector<std::string>(args.begin() + static_cast<long>(start) + 1,
                                                          args.begin() + static_cast<long>(start + 1 + count))});
      stop = start + 1 + count;
      break;
    }
    for (auto& [spec, values] : actions) {
      take_action(*spec, values);
      if (result.stopped_at) return args.size();
    }
    return stop;
  };

  bool positional_pending = positional != nullptr;
  const auto consume_positionals = [&](std::size_t start) -> std::size_t {
    if (!positional_pending) return start;
    std::size_t count = 0;
    while (start + count < pattern.size() && (pattern[start + count] == 'A' || pattern[start + count] == '-')) ++count;
    take_action(*positional, std::vector<std::string>(args.begin() + static_cast<long>(start),
                                                      args.begin() + static_cast<long>(start + count)));
    positional_pending = false;
    return start + count;
  };

  std::size_t start = 0;
  const long max_option_index = option_indices.empty() ? -1 : static_cast<long>(option_indices.rbegin()->first);
  while (static_cast<long>(start) <= max_option_index) {
    const std::size_t next_option = option_indices.lower_bound(start)->first;
    if (start != next_option) {
      const std::size_t end = consume_positionals(start);
      if (end > start) {
        start = end;
        continue;
      }
      start = end;
    }
    if (!option_indices.count(start)) {
      extras.insert(extras.end(), args.begin() + static_cast<long>(start), args.begin() + static_cast<long>(next_option));
      start = next_option;
    }
    start = consume_optional(start);
    if (result.stopped_at) return result;
  }
  if (start <= args.size()) {
    const std::size_t stop = consume_positionals(start);
    if (result.stopped_at) return result;
    extras.insert(extras.end(), args.begin() + static_cast<long>(std::min(stop, args.size())), args.end());
  }
  if (!extras.empty()) {
    std::string list;
    for (const auto& e : extras) list += (list.empty() ? "" : " ") + e;
    std::string valid;
    for (const auto& spec : specs_)
      if (!spec.option_strings.empty()) valid += (valid.empty() ? "" : " ") + action_name(spec);
    throw ArgparseError("unrecognized arguments: " + list + " (valid options: " + valid + ")");
  }
  return result;
}

}  // namespace longtail::eval::cli
