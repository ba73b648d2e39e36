// sacreBLEU's TokenizerSPM (`spm`, `flores101`, `flores200`, `spBLEU-1K`):
// " ".join(sp.EncodeAsPieces(line)) with a model from sacreBLEU's cache; never downloads.
//
// SentencePiece comes from Debian (0.1.97), sacreBLEU's from PyPI (0.2.x). Their unigram encoders
// differ in one place: 0.1.x adds a piece's score to the path score in double (the type of
// `cond ? length * max_score_ - 0.1 : score`) and compares that with the stored float, 0.2.x adds
// and compares in float (and scores user-defined symbols 0.1 * (length - 1)). Where two
// segmentations tie in float (the same pieces in another order: "VIII" = V+I+II or V+II+I), they
// pick different ones. So for unigram models Debian's library only normalizes (its pieces,
// concatenated, are the normalized text) and the Viterbi search below is 0.2.x's EncodeOptimized,
// with SentencePieceProcessor's handling of unknown pieces (runs merged, or UTF-8 byte pieces
// under byte fallback). BPE models go through Debian's library (same result in both versions).
#include <sentencepiece_processor.h>

#include <algorithm>
#include <cfloat>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "eval/scorer/tokenizer_ext.h"

namespace longtail::eval {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

// Minimal protobuf wire-format reading of the serialized ModelProto (Debian installs no
// sentencepiece_model.pb.h): calls f(field, wire type, varint value or length, payload offset).
std::uint64_t read_varint(std::string_view b, std::size_t& i) {
  std::uint64_t v = 0;
  for (int shift = 0; i < b.size() && shift < 64; shift += 7) {
    const auto c = static_cast<unsigned char>(b[i++]);
    v |= std::uint64_t(c & 0x7F) << shift;
    if (!(c & 0x80)) break;
  }
  return v;
}
template <class F>
void scan_proto(std::string_view b, F&& f) {
  for (std::size_t i = 0; i < b.size();) {
    const std::uint64_t key = read_varint(b, i);
    const int field = static_cast<int>(key >> 3), type = static_cast<int>(key & 7);
    const std::size_t at = i;
    if (type == 0) {
      f(field, type, read_varint(b, i), at);
    } else if (type == 2) {
      const std::uint64_t len = read_varint(b, i);
      if (len > b.size() - i) return;
      f(field, type, len, i);
      i += len;
    } else if (type == 1 || type == 5) {
      i += type == 1 ? 8 : 4;
    } else {
      return;  // groups: not used by SentencePiece
    }
  }
}
// ModelProto.trainer_spec (2): model_type (3, UNIGRAM = 1), byte_fallback (35).
std::uint64_t trainer_spec_field(std::string_view model, int inner, std::uint64_t fallback) {
  std::uint64_t result = fallback;
  scan_proto(model, [&](int field, int type, std::uint64_t len, std::size_t pos) {
    if (field != 2 || type != 2) return;
    scan_proto(model.substr(pos, len), [&](int f, int t, std::uint64_t v, std::size_t) {
      if (f == inner && t == 0) result = v;
    });
  });
  return result;
}
// ModelProto.pieces (1), SentencePiece.type (3; NORMAL = 1 by default), in id order.
std::vector<int> piece_types(std::string_view model) {
  std::vector<int> types;
  scan_proto(model, [&](int field, int type, std::uint64_t len, std::size_t pos) {
    if (field != 1 || type != 2) return;
    int t = 1;
    scan_proto(model.substr(pos, len), [&](int f, int wt, std::uint64_t v, std::size_t) {
      if (f == 3 && wt == 0) t = static_cast<int>(v);
    });
    types.push_back(t);
  });
  return types;
}
enum PieceType { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };

// SentencePiece 0.2.x's unigram Model::EncodeOptimized and the unknown-piece handling of its
// SentencePieceProcessor::PopulateSentencePieceText, over Debian's model (pieces, scores, types).
class UnigramEncoder {
 public:
  explicit UnigramEncoder(const sentencepiece::SentencePieceProcessor& sp) : sp_(sp) {
    const std::string model = sp.serialized_model_proto();
    types_ = piece_types(model);
    const int n = sp.GetPieceSize();
    if (static_cast<int>(types_.size()) != n) throw std::runtime_error("SentencePiece model: cannot read piece types");
    for (int id = 0; id < n; ++id) {
      if (types_[id] == kNormal) min_score_ = std::min(min_score_, sp.GetScore(id));
      if (types_[id] == kUnknown) unk_id_ = id;
      // The trie holds NORMAL, USER_DEFINED and UNUSED pieces (ModelInterface::InitializePieces).
      if (types_[id] == kNormal || types_[id] == kUserDefined || types_[id] == kUnused)
        pieces_.emplace_back(sp.IdToPiece(id), id);
    }
    std::sort(pieces_.begin(), pieces_.end());
    byte_fallback_ = trainer_spec_field(model, 35, 0) != 0;
  }

  std::vector<std::string> encode(const std::string& normalized) const {
    struct Best {
      int id = -1;
      float score = 0;
      long starts_at = -1;
    };
    const std::size_t size = normalized.size();
    std::vector<std::string> out;
    if (size == 0) return out;
    const float unk_score = min_score_ - 10.0f;  // kUnkPenalty
    std::vector<Best> best(size + 1);
    std::size_t starts_at = 0, max_frontier = 0;
    const float kReset = 100000.0f;
    while (starts_at < size) {
      float till_here = best[starts_at].score;
      if (till_here < -kReset || till_here > kReset) {  // 0.2.x re-bases large scores
        const float offset = till_here;
        for (std::size_t i = starts_at; i <= max_frontier; ++i)
          if (i == starts_at || best[i].starts_at != -1) best[i].score -= offset;
        till_here = 0.0f;
      }
      static constexpr char kLen[] = "\1\1\1\1\1\1\1\1\1\1\1\1\2\2\3\4";  // OneCharLen
      const std::size_t mblen = std::min<std::size_t>(
          kLen[(static_cast<unsigned char>(normalized[starts_at])) >> 4], size - starts_at);
      bool has_single_node = false;
      // Pieces starting here, shortest first (the trie's traversal order): narrow the sorted
      // range by one byte at a time.
      auto lo = pieces_.begin(), hi = pieces_.end();
      for (std::size_t len = 1; starts_at + len <= size && lo != hi; ++len) {
        const char c = normalized[starts_at + len - 1];
        lo = std::lower_bound(lo, hi, c, [len](const auto& p, char ch) {
          return p.first.size() < len || static_cast<unsigned char>(p.first[len - 1]) < static_cast<unsigned char>(ch);
        });
        hi = std::upper_bound(lo, hi, c, [len](char ch, const auto& p) {
          return static_cast<unsigned char>(ch) < static_cast<unsigned char>(p.first[len - 1]);
        });
        if (lo == hi || lo->first.size() != len) continue;  // no piece of exactly this length
        const int id = lo->second;
        if (types_[id] == kUnused) continue;
        const std::size_t end = starts_at + len;
        max_frontier = std::max(max_frontier, end);
        const float score =
            types_[id] == kUserDefined ? static_cast<float>(0.1 * static_cast<double>(len - 1)) : sp_.GetScore(id);
        const float candidate = score + till_here;
        Best& target = best[end];
        if (target.starts_at == -1 || candidate > target.score) target = {id, candidate, static_cast<long>(starts_at)};
        if (len == mblen) has_single_node = true;
      }
      if (!has_single_node) {
        max_frontier = std::max(max_frontier, starts_at + mblen);
        Best& target = best[starts_at + mblen];
        const float candidate = unk_score + till_here;
        if (target.starts_at == -1 || candidate > target.score)
          target = {unk_id_, candidate, static_cast<long>(starts_at)};
      }
      starts_at += mblen;
    }
    std::vector<std::pair<std::size_t, std::size_t>> spans;  // (begin, end) of each node
    std::vector<int> ids;
    for (std::size_t end = size; end > 0;) {
      const Best& node = best[end];
      spans.emplace_back(static_cast<std::size_t>(node.starts_at), end);
      ids.push_back(node.id);
      end = static_cast<std::size_t>(node.starts_at);
    }
    bool prev_unk = false;
    for (std::size_t k = spans.size(); k-- > 0;) {
      const std::string_view w(normalized.data() + spans[k].first, spans[k].second - spans[k].first);
      const bool unk = ids[k] == unk_id_;
      if (unk && byte_fallback_) {
        for (unsigned char b : w) {
          char piece[8];
          std::snprintf(piece, sizeof piece, "<0x%02X>", b);
          out.emplace_back(piece);
        }
      } else if (unk && prev_unk) {
        out.back() += w;  // runs of unknown pieces are merged
      } else {
        out.emplace_back(w);
      }
      prev_unk = unk;
    }
    return out;
  }

 private:
  const sentencepiece::SentencePieceProcessor& sp_;
  std::vector<int> types_;
  std::vector<std::pair<std::string, int>> pieces_;
  float min_score_ = FLT_MAX;
  int unk_id_ = 0;
  bool byte_fallback_ = false;
};

class TokenizerSpm final : public Tokenizer {
 public:
  TokenizerSpm(SpmModelInfo info, const std::string& path, const std::string& how_found)
      : info_(std::move(info)) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
      throw std::runtime_error("tokenizer '" + info_.key + "': no SentencePiece model at '" + path + "' (" + how_found +
                               "); longtail does not download it: fetch " + info_.url + " to that path (as sacreBLEU "
                               "caches it), or set LONGTAIL_SPM_MODEL_" + env_suffix(info_.key) +
                               " or LONGTAIL_SPM_MODEL to the model file");
    const auto status = processor_.Load(path);
    if (!status.ok())
      throw std::runtime_error("tokenizer '" + info_.key + "': cannot load the SentencePiece model '" + path +
                               "': " + status.ToString());
    if (trainer_spec_field(processor_.serialized_model_proto(), 3, 1) == 1)  // model_type UNIGRAM
      unigram_ = std::make_unique<UnigramEncoder>(processor_);
  }
  std::string name() const override { return info_.key; }
  std::string signature() const override { return info_.signature; }
  std::string tokenize(std::string_view line) const override {
    std::vector<std::string> pieces;
    if (unigram_) {
      // Debian's pieces concatenated are the normalized text (byte pieces decoded back to bytes).
      const auto spt = processor_.EncodeAsImmutableProto(line);
      std::string normalized;
      for (const auto& p : spt.pieces()) {
        if (processor_.IsByte(static_cast<int>(p.id())) && p.piece().size() == 6)
          normalized.push_back(static_cast<char>(std::stoi(p.piece().substr(3, 2), nullptr, 16)));
        else
          normalized += p.piece();
      }
      pieces = unigram_->encode(normalized);
    } else {
      const auto status = processor_.Encode(line, &pieces);  // const and thread-safe in SentencePiece
      if (!status.ok()) throw std::runtime_error("tokenizer '" + info_.key + "': " + status.ToString());
    }
    std::string out;
    for (const auto& p : pieces) {
      if (&p != &pieces.front()) out.push_back(' ');  // " ".join, empty pieces included
      out += p;
    }
    return out;
  }

  static std::string env_suffix(const std::string& key) {
    std::string s;
    for (char c : key) s.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    return s;
  }

 private:
  SpmModelInfo info_;
  sentencepiece::SentencePieceProcessor processor_;
  std::unique_ptr<UnigramEncoder> unigram_;  // unigram models: 0.2.x's search (see the top)
};

const SpmModelInfo& find_model(const std::string& key) {
  for (const auto& m : spm_models())
    if (m.key == key) return m;
  throw std::invalid_argument("unknown SentencePiece tokenizer '" + key + "'");
}

}  // namespace

const std::vector<SpmModelInfo>& spm_models() {
  // sacreBLEU 2.6.0 tokenizers/tokenizer_spm.py SPM_MODELS; the file is the URL's basename.
  static const std::vector<SpmModelInfo> models = {
      {"spm", "flores101", "sacrebleu_tokenizer_spm.model",
       "https://dl.fbaipublicfiles.com/fairseq/models/flores/sacrebleu_tokenizer_spm.model"},
      {"flores101", "flores101", "sacrebleu_tokenizer_spm.model",
       "https://dl.fbaipublicfiles.com/fairseq/models/flores/sacrebleu_tokenizer_spm.model"},
      {"flores200", "flores200", "flores200sacrebleuspm", "https://tinyurl.com/flores200sacrebleuspm"},
      {"spBLEU-1K", "spBLEU-1K", "spbleu-1k_tokenizer_spm.model",
       "https://www.dlnlp.ai/spBLEU-1K/spbleu-1k_tokenizer_spm.model"},
  };
  return models;
}

namespace {
// Where the model is looked for, and in words how that was decided.
std::pair<std::string, std::string> locate(const SpmModelInfo& info) {
  const std::string per_key = "LONGTAIL_SPM_MODEL_" + TokenizerSpm::env_suffix(info.key);
  if (auto v = env(per_key.c_str()); !v.empty()) return {v, "from $" + per_key};
  if (auto v = env("LONGTAIL_SPM_MODEL"); !v.empty()) return {v, "from $LONGTAIL_SPM_MODEL"};
  // sacreBLEU: SACREBLEU_DIR = $SACREBLEU or os.path.expanduser("~")/.sacrebleu.
  std::string dir = env("SACREBLEU");
  std::string how = "sacreBLEU's cache under $SACREBLEU";
  if (dir.empty()) {
    dir = env("HOME") + "/.sacrebleu";
    how = "sacreBLEU's cache ~/.sacrebleu";
  }
  return {dir + "/models/" + info.file_name, how};
}
}  // namespace

std::string spm_model_path(const std::string& key) { return locate(find_model(key)).first; }

std::unique_ptr<Tokenizer> make_spm_tokenizer(const std::string& key, const std::string& model_path) {
  const SpmModelInfo& info = find_model(key);
  if (!model_path.empty()) return std::make_unique<TokenizerSpm>(info, model_path, "given path");
  const auto [path, how] = locate(info);
  return std::make_unique<TokenizerSpm>(info, path, how);
}

void register_external_tokenizers() {
  register_tokenizer("ja-mecab", [] { return make_ja_mecab_tokenizer(); });
  register_tokenizer("ko-mecab", [] { return make_ko_mecab_tokenizer(); });
  for (const auto& m : spm_models()) {
    const std::string key = m.key;
    register_tokenizer(key, [key] { return make_spm_tokenizer(key); });
  }
}

}  // namespace longtail::eval
