"""Prompt tuning (Lester et al. 2021) with Hugging Face PEFT + Accelerate, as Prompt Tuner's run did.

Written by `prompt-tune export-job`. job.json holds the run's settings; this script reproduces what
Prompt Tuner's trainer does with them:
  - data: the same files (copied to data/), fields or input template, verbalizer, label set,
    validation split and the same order of batches (Prompt Tuner's seeded sfc32 shuffle, below); for
    a hub dataset, Parquet or a task preset's rows, the rows Prompt Tuner resolved (input, target, group);
  - tokens: T5's SentencePiece tokenizer (slow, legacy mode, as Prompt Tuner encodes), inputs cut to
    maxInputLength minus the prompt, targets to maxTargetLength, eos kept last;
  - model: the frozen T5 with a PEFT soft prompt [k, d_model] prepended to the encoder's input
    embeddings only (num_transformer_submodules=1), starting from the run's initial prompt
    (initial_prompt.safetensors), so text, vocabulary and class-label inits carry over exactly;
  - loss: mean token cross-entropy over the whole batch, whatever the number of processes;
  - optimiser: Adafactor (or Adam) with the run's hyperparameters and linear warmup; no gradient
    clipping besides Adafactor's own update clipping (clip_threshold);
  - evaluation every evalEvery steps and at the last: validation loss, exact match of greedy
    generation and rank classification over the labels, and from the ranked labels the scores the
    run's metric needs (F1, macro-F1, EM per group); the best prompt by that metric is saved as a PEFT adapter.
Dropout draws its masks from torch's generator, so runs agree step for step only with dropout off.

Run:  accelerate launch train.py              (see README.md for one or many GPUs and nodes)
"""
import argparse
import contextlib
import csv
import hashlib
import io
import json
import math
import os
import re
import sys

import torch
import torch.nn.functional as F
from accelerate import Accelerator
from accelerate.utils import set_seed
from peft import PromptTuningConfig, PromptTuningInit, TaskType, get_peft_model
from safetensors.torch import load_file
from transformers import T5ForConditionalGeneration, T5Tokenizer
from transformers.optimization import Adafactor

HERE = os.path.dirname(os.path.abspath(__file__))
JOB_FORMAT = "prompt-tuner/peft-job"
ADAPTER_NOTE = "prompt-tuner-job.json"  # written beside PEFT's files; `prompt-tune import` reads it


class JobError(Exception):
    """Bad input, named by file, line and field."""


# --- Prompt Tuner's random numbers (src/core/rng.ts): sfc32 seeded by splitmix32 ---------------
M32 = 0xFFFFFFFF


class Sfc32:
    def __init__(self, seed):
        s = seed & M32

        def splitmix():
            nonlocal s
            s = (s + 0x9E3779B9) & M32
            z = s
            z = ((z ^ (z >> 16)) * 0x85EBCA6B) & M32
            z = ((z ^ (z >> 13)) * 0xC2B2AE35) & M32
            return (z ^ (z >> 16)) & M32

        self.a, self.b, self.c, self.d = splitmix(), splitmix(), splitmix(), splitmix()
        for _ in range(12):
            self.next_uint32()

    def next_uint32(self):
        t = (self.a + self.b + self.d) & M32
        self.d = (self.d + 1) & M32
        self.a = self.b ^ (self.b >> 9)
        self.b = (self.c + (self.c << 3)) & M32
        self.c = ((self.c << 21) | (self.c >> 11)) & M32
        self.c = (self.c + t) & M32
        return t

    def int(self, n):
        """Uniform in [0, n) without modulo bias."""
        limit = 2**32 - (2**32 % n)
        while True:
            r = self.next_uint32()
            if r < limit:
                return r % n


def shuffle(items, rng):
    for i in range(len(items) - 1, 0, -1):
        j = rng.int(i + 1)
        items[i], items[j] = items[j], items[i]
    return items


class BatchOrder:
    """Each epoch a fresh seeded permutation cut into batches; an epoch's last batch may be smaller."""

    def __init__(self, size, batch_size, seed):
        self.rng = Sfc32(seed)
        self.size, self.batch_size = size, batch_size
        self.permutation = shuffle(list(range(size)), self.rng)
        self.position = 0

    def next(self):
        if self.position >= self.size:
            self.permutation = shuffle(list(range(self.size)), self.rng)
            self.position = 0
        batch = self.permutation[self.position : self.position + self.batch_size]
        self.position += len(batch)
        return batch


# --- Data: Prompt Tuner's reading of JSONL / CSV / TSV, templates and verbalizers ----------------
DEFAULT_INPUT_FIELDS = ("input", "text", "sentence")
DEFAULT_TARGET_FIELDS = ("target", "label", "output")


def as_text(value):
    """A JSON value as JavaScript's String() writes it (1.0 -> "1", true -> "true"); None if not text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    return value if isinstance(value, str) else None


def read_records(path):
    """(fields in order of first appearance, [(line, {field: text})]) of a .jsonl/.json/.csv/.tsv file."""
    ext = os.path.splitext(path)[1].lower()
    with open(path, encoding="utf-8-sig", newline="") as f:
        text = f.read()
    fields, records = {}, []
    if ext in (".jsonl", ".json"):
        for line, raw in enumerate(re.split(r"\r\n|\r|\n", text), 1):
            if not raw.strip():
                continue
            try:
                value = json.loads(raw)
            except json.JSONDecodeError as err:
                raise JobError(f"{path}:{line}: malformed JSON ({err}); each line must be one JSON object")
            if not isinstance(value, dict):
                raise JobError(f"{path}:{line}: expected a JSON object")
            fields.update(dict.fromkeys(value))
            records.append((line, {k: as_text(v) for k, v in value.items()}))
    elif ext in (".csv", ".tsv"):
        reader = csv.reader(io.StringIO(text), delimiter="," if ext == ".csv" else "\t")
        header = [name.strip() for name in next(reader, [])]
        fields.update(dict.fromkeys(name for name in header if name))
        for row in reader:
            if not row:
                continue
            line = reader.line_num - sum(value.count("\n") for value in row)
            if len(row) != len(header):
                raise JobError(f"{path}:{line}: has {len(row)} fields but the header has {len(header)}")
            records.append((line, {name: value for name, value in zip(header, row) if name}))
    else:
        raise JobError(f"{path}: unknown data file type {ext!r}; use .jsonl, .csv or .tsv")
    return list(fields), records


def render_template(template, value_of):
    """`{field}` is the field's value; `{{` and `}}` are literal braces."""
    out, i = [], 0
    while i < len(template):
        if template[i : i + 2] in ("{{", "}}"):
            out.append(template[i])
            i += 2
        elif template[i] == "{":
            close = template.index("}", i + 1)
            out.append(value_of(template[i + 1 : close].strip()))
            i = close + 1
        else:
            out.append(template[i])
            i += 1
    return "".join(out)


def parse_verbalizer(source):
    pairs = (entry.split("=", 1) for entry in source.split(","))
    return {label.strip(): word.strip() for label, word in pairs}


def load_examples(path, data):
    """[(input, target, group)] as Prompt Tuner reads them (group None without groupField); a bad line stops, or is skipped with skipInvalid."""
    fields, records = read_records(path)

    def choose(given, defaults, role):
        if given is not None:
            if given not in fields:
                raise JobError(f"{path}: {role}Field {given!r} is not a field of the file (fields: {', '.join(fields)})")
            return given
        found = next((name for name in defaults if name in fields), None)
        if found is None:
            raise JobError(f"{path}: no {role} field: the file has none of {', '.join(defaults)}")
        return found

    template = data.get("template")
    input_field = None if template else choose(data.get("inputField"), DEFAULT_INPUT_FIELDS, "input")
    target_field = choose(data.get("targetField"), DEFAULT_TARGET_FIELDS, "target")
    verbalizer = parse_verbalizer(data["verbalizer"]) if data.get("verbalizer") else None
    labels = set(data["labels"]) if data.get("labels") else None
    group_field = data.get("groupField")
    examples, skipped = [], 0
    for line, values in records:

        def value(field):
            if values.get(field) is None:
                raise JobError(f"{path}:{line}: field {field!r} is missing or not text")
            return values[field]

        try:
            text = (render_template(template, value) if template else value(input_field)).strip()
            target = value(target_field).strip()
            if not text or not target:
                raise JobError(f"{path}:{line}: empty {'input' if not text else 'target'}")
            if verbalizer is not None:
                if target not in verbalizer:
                    raise JobError(f"{path}:{line}: field {target_field!r}: unknown label {target!r} (the verbalizer knows {', '.join(verbalizer)})")
                target = verbalizer[target]
            if labels is not None and target not in labels:
                raise JobError(f"{path}:{line}: field {target_field!r}: unknown label {target!r}")
            group = value(group_field) if group_field else None
        except JobError:
            if not data.get("skipInvalid"):
                raise
            skipped += 1
            continue
        examples.append((text, target, group))
    if not examples:
        raise JobError(f"{path}: no examples")
    return examples, skipped


def split_validation(examples, fraction, seed):
    """Prompt Tuner's held-out share: a seeded random `fraction` (at least 1), both parts in file order."""
    n = len(examples)
    n_valid = min(n - 1, max(1, math.floor(n * fraction + 0.5)))
    held = set(shuffle(list(range(n)), Sfc32(seed))[:n_valid])
    return [e for i, e in enumerate(examples) if i not in held], [e for i, e in enumerate(examples) if i in held]


# --- The model ---------------------------------------------------------------------------------
def embedding_fingerprint(weight):
    """Prompt Tuner's model fingerprint (src/core/prompt/identity.ts): 64 rows of the input embeddings in bf16."""
    vocab, d = weight.shape
    ids = sorted({i * (vocab - 1) // 63 for i in range(64)})
    rows = weight.detach()[ids].float().cpu().to(torch.bfloat16).view(torch.int16).numpy().astype("<u2")
    digest = hashlib.sha256(f"t5-embedding {vocab}x{d} rows {','.join(map(str, ids))}\n".encode())
    digest.update(rows.tobytes())
    return "v1:" + digest.hexdigest()


def pad(rows, value):
    width = max(len(r) for r in rows)
    return torch.tensor([r + [value] * (width - len(r)) for r in rows])


def collate(rows, pad_id):
    """Padded to the longest row of the batch; labels -100 past each target."""
    inputs = [r[0] for r in rows]
    return {
        "input_ids": pad(inputs, pad_id),
        "attention_mask": pad([[1] * len(i) for i in inputs], 0),
        "labels": pad([r[1] for r in rows], -100),
    }


def summed_token_loss(model, batch, device):
    """Sum of the token cross-entropies of a batch (HF's mean loss times its token count)."""
    batch = {k: v.to(device) for k, v in batch.items()}
    logits = model(**batch).logits
    return F.cross_entropy(logits.flatten(0, 1).float(), batch["labels"].flatten(), ignore_index=-100, reduction="sum")


def example_losses(logits, labels):
    """Each example's mean token loss: the validation loss is their mean, whatever the batches."""
    tokens = F.cross_entropy(logits.flatten(0, 1).float(), labels.flatten(), ignore_index=-100, reduction="none").view(labels.shape)
    return tokens.sum(-1) / (labels != -100).sum(-1)


def f1(ranked, golds, positive):
    """F1 of one label, as sklearn's f1_score: 2 TP / (2 TP + FP + FN), 0 when there is nothing to count."""
    tp = sum(r == positive and g == positive for r, g in zip(ranked, golds))
    wrong = sum((r == positive) != (g == positive) for r, g in zip(ranked, golds))
    return 0.0 if 2 * tp + wrong == 0 else 2 * tp / (2 * tp + wrong)


def label_scores(metric, ranked, golds, groups, labels):
    """The scores beyond accuracy the metric needs (src/core/training/evaluate.ts): F1 with the second
    label positive (f1, f1a-em), macro-F1 over the labels (acc-macro-f1), EM per group (f1a-em)."""
    scores = {}
    if metric in ("f1", "f1a-em") and len(labels) == 2:
        scores["f1"] = f1(ranked, golds, labels[1])
    if metric == "acc-macro-f1":
        scores["macroF1"] = sum(f1(ranked, golds, label) for label in labels) / len(labels)
    if metric == "f1a-em" and all(g is not None for g in groups):
        all_right = {}
        for r, g, group in zip(ranked, golds, groups):
            all_right[group] = all_right.get(group, True) and r == g
        scores["groupExactMatch"] = sum(all_right.values()) / len(all_right)
    return scores


def metric_value(metric, r):
    """The metric that selects the best prompt (src/core/training/run-metric.ts); exact match without label scores."""
    mean = lambda a, b: None if a is None or b is None else (a + b) / 2  # noqa: E731
    value = {
        "rank": r.get("rankAccuracy"),
        "exact-match": r["exactMatch"],
        "f1": r.get("f1"),
        "acc-macro-f1": mean(r.get("rankAccuracy"), r.get("macroF1")),
        "f1a-em": mean(r.get("f1"), r.get("groupExactMatch")),
    }[metric]
    return r["exactMatch"] if value is None else value


@torch.no_grad()
def evaluate(accelerator, model, tokenizer, valid, labels, candidates, batch_size, metric):
    """Validation loss, exact match, rank accuracy and the metric's scores; each process takes every world-th example."""
    model.eval()
    peft = accelerator.unwrap_model(model)
    device = accelerator.device
    world, index = accelerator.num_processes, accelerator.process_index
    mine = valid[index::world]
    max_new_tokens = max(len(t) for _, t, _, _ in valid)
    # transformers 4.57 sizes the generation cache by the encoder's depth: a deeper decoder needs it off.
    config = peft.get_base_model().config
    use_cache = config.num_decoder_layers <= config.num_layers
    totals = torch.zeros(2, dtype=torch.float64)  # summed example losses, exact matches
    ranked = torch.zeros(len(valid), dtype=torch.float64)  # each example's ranked label index, set by the process that has it
    for start in range(0, len(mine), batch_size):
        rows = mine[start : start + batch_size]
        batch = {k: v.to(device) for k, v in collate([(i, t) for i, t, _, _ in rows], tokenizer.pad_token_id).items()}
        totals[0] += example_losses(peft(**batch).logits, batch["labels"]).sum().item()
        out = peft.generate(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], max_new_tokens=max_new_tokens, do_sample=False, num_beams=1, use_cache=use_cache)
        texts = tokenizer.batch_decode(out, skip_special_tokens=True)
        totals[1] += sum(text.strip() == target.strip() for text, (_, _, target, _) in zip(texts, rows))
        if candidates is not None:
            for j, label in enumerate(rank(peft, batch, candidates)):
                ranked[index + (start + j) * world] = label
    totals = accelerator.reduce(totals.to(device), reduction="sum").cpu()
    ranked = accelerator.reduce(ranked.to(device), reduction="sum").cpu()
    model.train()
    n = len(valid)
    result = {"validLoss": totals[0].item() / n, "exactMatch": totals[1].item() / n}
    if candidates is not None:
        predicted = [labels[int(i)] for i in ranked.tolist()]
        golds = [target for _, _, target, _ in valid]
        result["rankAccuracy"] = sum(p == g for p, g in zip(predicted, golds)) / n
        result.update(label_scores(metric, predicted, golds, [group for _, _, _, group in valid], labels))
    return result


def rank(peft, batch, candidates):
    """Per example, the index of the label with the highest summed log-probability (the first on ties)."""
    b, n = batch["input_ids"].shape[0], len(candidates)
    targets = pad(candidates, -100).to(batch["input_ids"].device).repeat(b, 1)
    logits = peft(input_ids=batch["input_ids"].repeat_interleave(n, 0), attention_mask=batch["attention_mask"].repeat_interleave(n, 0), labels=targets).logits
    logp = logits.float().log_softmax(-1).gather(-1, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    return logp.masked_fill(targets == -100, 0).sum(-1).view(b, n).argmax(-1).tolist()


def make_optimizer(params, o):
    if o["kind"] == "adafactor":
        return Adafactor(params, lr=o["lr"], eps=(o["eps1"], o["eps2"]), clip_threshold=o["clipThreshold"], decay_rate=o["decayRate"],
                         beta1=o.get("beta1"), weight_decay=o["weightDecay"], scale_parameter=o["scaleParameter"],
                         relative_step=o["relativeStep"], warmup_init=o["warmupInit"])
    return torch.optim.Adam(params, lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"], weight_decay=o["weightDecay"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--job", default=os.path.join(HERE, "job.json"), help="the exported settings (default: job.json beside this script)")
    parser.add_argument("--output-dir", default=os.path.join(HERE, "output"), help="where the best prompt (output/prompt) and log.jsonl go")
    parser.add_argument("--micro-batch", type=int, default=0, help="rows per forward/backward pass on each process (0: all its rows); the gradient is the same")
    parser.add_argument("--model", help="the model folder or hub id, instead of job.json's (it must be the same checkpoint: checked)")
    args = parser.parse_args()
    with open(args.job, encoding="utf-8") as f:
        job = json.load(f)
    if job.get("format") != JOB_FORMAT:
        raise JobError(f"{args.job}: not a Prompt Tuner job (format {job.get('format')!r})")
    job_dir = os.path.dirname(os.path.abspath(args.job))
    in_job = lambda p: os.path.join(job_dir, p)  # noqa: E731
    data = job["data"]

    accelerator = Accelerator()
    set_seed(job["seed"])
    log_path = os.path.join(args.output_dir, "log.jsonl")

    def log(event):
        if accelerator.is_main_process:
            line = json.dumps(event)
            print(line, flush=True)
            with open(log_path, "a", encoding="utf-8") as f:
                f.write(line + "\n")

    if accelerator.is_main_process:
        os.makedirs(args.output_dir, exist_ok=True)
        open(log_path, "w").close()

    model_name = args.model or job["model"]
    tokenizer = T5Tokenizer.from_pretrained(model_name, legacy=True)
    overrides = {} if job["dropout"] is None else {"dropout_rate": job["dropout"]}
    base = T5ForConditionalGeneration.from_pretrained(model_name, **overrides)
    fingerprint = embedding_fingerprint(base.shared.weight)
    if fingerprint != job["embeddingFingerprint"]:
        raise JobError(f"{model_name} is not the checkpoint the run trained on (embedding fingerprint {fingerprint[:15]} vs job.json's {job['embeddingFingerprint'][:15]}); a soft prompt belongs to one checkpoint")

    # Examples -> token ids, as Prompt Tuner's trainer prepares them.
    train, skipped = load_examples(in_job(data["train"]), data)
    if data.get("valid"):
        valid, more = load_examples(in_job(data["valid"]), data)
        skipped += more
    else:
        train, valid = split_validation(train, data["validFraction"], job["seed"])
    k = job["promptLength"]
    encode = lambda texts, n: tokenizer(texts, max_length=n, truncation=True)["input_ids"]  # noqa: E731
    budget = job["maxInputLength"] - k

    def encoded(examples):
        """(input ids, target ids, target, group) per example."""
        inputs, targets = encode([e[0] for e in examples], budget), encode([e[1] for e in examples], job["maxTargetLength"])
        return [(i, t, e[1], e[2]) for i, t, e in zip(inputs, targets, examples)]

    train_rows, valid_rows = encoded(train), encoded(valid)
    labels = job["labels"]
    candidates = encode(labels, job["maxTargetLength"]) if labels else None

    config = PromptTuningConfig(task_type=TaskType.SEQ_2_SEQ_LM, num_virtual_tokens=k, num_transformer_submodules=1, prompt_tuning_init=PromptTuningInit.RANDOM)
    model = get_peft_model(base, config)
    initial = load_file(in_job(job["initialPrompt"]))["prompt"]
    with torch.no_grad():
        model.prompt_encoder.default.embedding.weight.copy_(initial)
    optimizer = make_optimizer([p for p in model.parameters() if p.requires_grad], job["optimizer"])
    model, optimizer = accelerator.prepare(model, optimizer)
    model.train()
    log({"event": "started", "processes": accelerator.num_processes, "device": str(accelerator.device), "train": len(train_rows), "valid": len(valid_rows), "skipped": skipped, "fingerprint": fingerprint})

    best, stale, metrics = None, 0, []
    base_lr = job["optimizer"]["lr"]
    order = BatchOrder(len(train_rows), job["batchSize"], job["seed"])
    world, rank_index = accelerator.num_processes, accelerator.process_index

    def run_eval(step, train_loss):
        nonlocal best, stale
        r = evaluate(accelerator, model, tokenizer, valid_rows, labels, candidates, job["batchSize"], job["metric"])
        point = {"step": step, **r, **({"trainLoss": train_loss} if train_loss is not None else {})}
        metrics.append(point)
        value = metric_value(job["metric"], r)
        improved = best is None or value > best[1] or (value == best[1] and r["validLoss"] < best[2])
        if improved:
            best, stale = (step, value, r["validLoss"]), 0
            save(step)
        else:
            stale += 1
        log({"event": "eval", **point, "best": improved})

    def save(step):
        accelerator.wait_for_everyone()
        if accelerator.is_main_process:
            out = os.path.join(args.output_dir, "prompt")
            accelerator.unwrap_model(model).save_pretrained(out, safe_serialization=True)
            written = data.get("resolvedFrom") or data  # how the run wrote inputs and labels, also for resolved rows
            note = {"format": "prompt-tuner/peft-job-prompt", "embeddingFingerprint": fingerprint, "model": model_name,
                    "init": job["init"], "initPieces": job["initPieces"], "template": written.get("template"), "verbalizer": written.get("verbalizer"), "labels": labels,
                    "training": {**job["training"], "stepsDone": step, "bestStep": step, "backend": f"peft+accelerate ({accelerator.num_processes} x {accelerator.device.type})"},
                    "metrics": metrics}
            with open(os.path.join(out, ADAPTER_NOTE), "w", encoding="utf-8") as f:
                json.dump(note, f, indent=2)

    run_eval(0, None)
    for step in range(1, job["steps"] + 1):
        indices = order.next()
        # Every process knows the whole batch: each takes every world-th row and scales its summed loss
        # so that the processes' averaged gradients are the gradient of the batch's mean token loss.
        tokens = sum(len(train_rows[i][1]) for i in indices)
        mine = [train_rows[i][:2] for i in indices[rank_index::world]]
        scale = 0.0 if not mine else world / tokens
        mine = mine or [train_rows[indices[0]][:2]]  # a process without rows still joins the gradient's all-reduce
        size = args.micro_batch or len(mine)
        chunks = [mine[i : i + size] for i in range(0, len(mine), size)]
        summed = torch.zeros((), dtype=torch.float64)
        for c, chunk in enumerate(chunks):
            # Only the last pass of a step all-reduces the gradient.
            with accelerator.no_sync(model) if c < len(chunks) - 1 else contextlib.nullcontext():
                loss = summed_token_loss(model, collate(chunk, tokenizer.pad_token_id), accelerator.device)
                accelerator.backward(loss * scale)
            summed += loss.detach().double().cpu() * (scale > 0)
        lr = base_lr * (min(1.0, (step - 1) / job["warmupSteps"]) if job["warmupSteps"] > 0 else 1.0)
        for group in optimizer.param_groups:
            group["lr"] = lr
        optimizer.step()
        optimizer.zero_grad()
        loss = accelerator.reduce(summed.to(accelerator.device), reduction="sum").item() / tokens
        log({"event": "step", "step": step, "loss": loss, "lr": lr})
        if step % job["evalEvery"] == 0 or step == job["steps"]:
            run_eval(step, loss)
            if job["patience"] is not None and stale >= job["patience"]:
                log({"event": "early-stopped", "step": step})
                break
    accelerator.wait_for_everyone()
    log({"event": "done", "bestStep": best[0], "best": best[1], "prompt": os.path.join(args.output_dir, "prompt")})


if __name__ == "__main__":
    try:
        main()
    except JobError as err:
        print(f"train.py: {err}", file=sys.stderr)
        sys.exit(1)
