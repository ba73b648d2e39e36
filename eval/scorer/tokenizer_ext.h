// sacreBLEU's tokenizers that need external software and data: `ja-mecab`, `ko-mecab` (MeCab with
// a dictionary) and `spm` / `flores101` / `flores200` / `spBLEU-1K` (a SentencePiece model).
//
// They live in `longtail_scorer_ext`, not in `longtail_scorer`: SentencePiece (libprotobuf) cannot be
// loaded in one process with LibTorch, and the scorer must stay loadable anywhere. Programs that link this library
// call register_external_tokenizers() once at start-up; make_tokenizer("ja-mecab") etc. then work
// there, and everywhere else the registry's "not available" error stays.
//
// Nothing is downloaded. A dictionary or model is looked up when the tokenizer is made, and a
// missing or wrong one is a std::runtime_error saying what was looked for and how to provide it:
//   ja-mecab   $LONGTAIL_MECAB_IPADIC, else the dictionary the build made (build_ipadic.sh: sacreBLEU's
//              PyPI ipadic 1.0.0, byte for byte, from Debian's mecab-ipadic sources); checked by
//              entry count (392,126, as sacreBLEU) and a fingerprint of costs and entry order.
//   ko-mecab   $LONGTAIL_MECAB_KO_DIC (a mecab-ko-dic directory); see make_ko_mecab_tokenizer().
//   spm etc.   $LONGTAIL_SPM_MODEL_<KEY> (KEY: SPM, FLORES101, FLORES200, SPBLEU_1K), else
//              $LONGTAIL_SPM_MODEL, else sacreBLEU's cache $SACREBLEU/models/<file> (default
//              ~/.sacrebleu/models/<file>, file names as sacreBLEU's download URLs).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "eval/scorer/tokenizer.h"

namespace longtail::eval {

// Registers the six tokenizers above (idempotent, thread-safe through the registry).
void register_external_tokenizers();

// ---- MeCab ----
// Version of the linked MeCab library ("0.996"); sacreBLEU's signature is ja-mecab-<version>-IPA.
std::string mecab_library_version();
// `ja-mecab` over the IPA dictionary in `dicdir` (empty: ipadic_default_dir()).
std::unique_ptr<Tokenizer> make_ja_mecab_tokenizer(const std::string& dicdir = "");
// $LONGTAIL_MECAB_IPADIC, else the build tree's dictionary (empty if built without it).
std::string ipadic_default_dir();
// `ko-mecab`: sacreBLEU runs mecab-ko (a MeCab fork, version "0.996/ko-0.9.2") with mecab-ko-dic.
// Debian's MeCab is not that fork and segments Korean differently (docs/scorer.md), so this throws
// std::runtime_error explaining it, unless $LONGTAIL_MECAB_KO_DIC names a mecab-ko-dic directory
// and $LONGTAIL_MECAB_KO_ALLOW_MISMATCH=1 is set: then it tokenizes with Debian's MeCab under the
// signature `ko-mecab-<version>-KO-debian`, which never equals sacreBLEU's.
std::unique_ptr<Tokenizer> make_ko_mecab_tokenizer(const std::string& dicdir = "");

// ---- SentencePiece ----
// sacreBLEU's SPM_MODELS: registry key -> signature and the cached model's file name.
struct SpmModelInfo {
  std::string key;        // "flores200"
  std::string signature;  // "flores200" (`spm` signs as "flores101", the same model)
  std::string file_name;  // "flores200sacrebleuspm" (basename of sacreBLEU's URL)
  std::string url;        // where sacreBLEU downloads it from (for the error message)
};
const std::vector<SpmModelInfo>& spm_models();
// The model file make_spm_tokenizer(key) would load (may not exist); throws for an unknown key.
std::string spm_model_path(const std::string& key);
// " ".join(sp.EncodeAsPieces(line)) with the model at `model_path` (empty: spm_model_path(key)).
std::unique_ptr<Tokenizer> make_spm_tokenizer(const std::string& key, const std::string& model_path = "");

}  // namespace longtail::eval
