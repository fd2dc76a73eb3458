// The text files of an exported PEFT + Accelerate job besides train.py: pinned requirements, the
// accelerate configurations and the job's README.

/** The versions of the peer venv (../shared/bench/setup_peft_venv.sh), against which train.py is tested. */
export const REQUIREMENTS = `# The versions train.py is tested with (Prompt Tuner's PEFT reference environment).
# On a GPU install torch's CUDA build of the same version, e.g.
#   pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cu128
torch==2.13.0
transformers==4.57.6
tokenizers==0.22.2
peft==0.21.0
accelerate==1.15.0
safetensors==0.8.0
sentencepiece==0.2.2
numpy==2.4.6
# transformers 4.57.6 requires huggingface_hub < 1.0 (PyPI has 0.36.0; the reference environment, whose wheel
# mirror has only 1.33.0, satisfies the check with a metadata-only shim: ../shared/bench/setup_peft_venv.sh).
huggingface_hub==0.36.0
`;

/** accelerate's config for one GPU, as \`accelerate config\` writes it. */
export const ACCELERATE_ONE_GPU = `compute_environment: LOCAL_MACHINE
distributed_type: 'NO'
downcast_bf16: 'no'
gpu_ids: '0'
machine_rank: 0
main_training_function: main
mixed_precision: 'no'
num_machines: 1
num_processes: 1
use_cpu: false
`;

/** accelerate's config for 4 GPUs of one machine (data parallel); edit num_processes for yours. */
export const ACCELERATE_MULTI_GPU = `compute_environment: LOCAL_MACHINE
distributed_type: MULTI_GPU
downcast_bf16: 'no'
gpu_ids: all
machine_rank: 0
main_training_function: main
mixed_precision: 'no'
num_machines: 1
num_processes: 4
rdzv_backend: static
same_network: true
use_cpu: false
`;

export interface JobReadme {
  run: string;
  model: string;
  modelIsFolder: boolean;
  promptLength: number;
  steps: number;
  batchSize: number;
}

export function jobReadme(j: JobReadme): string {
  return `# Prompt tuning job (PEFT + Accelerate)

Exported by \`prompt-tune export-job\` from the run \`${j.run}\`: the same model, data, template, labels,
initial prompt, optimiser and schedule (${j.steps} steps of batch ${j.batchSize}, a ${j.promptLength}-token prompt),
trained with Hugging Face PEFT on PyTorch, on as many GPUs or machines as Accelerate drives.

| File | |
|---|---|
| \`train.py\` | the training script (read its docstring) |
| \`job.json\` | the run's settings, which \`train.py\` reads |
| \`initial_prompt.safetensors\` | the prompt the run started from (\`prompt\` [k, d_model]) |
| \`data/\` | copies of the run's data files, or the rows it read from a hub dataset, Parquet or a task preset (JSON Lines of input, target and group) |
| \`requirements.txt\` | pinned versions |
| \`accelerate/\` | configs for one GPU and for several |

## Run

\`\`\`sh
pip install -r requirements.txt
accelerate launch --config_file accelerate/one-gpu.yaml train.py                     # one GPU
accelerate launch --config_file accelerate/multi-gpu.yaml --num_processes 8 train.py  # 8 GPUs of this machine
accelerate launch --multi_gpu --num_machines 2 --num_processes 16 --machine_rank 0 \\
  --main_process_ip 10.0.0.1 --main_process_port 29500 train.py                    # 2 machines of 8 GPUs (machine_rank 1 on the other)
accelerate launch --cpu train.py                                                      # CPU, one process
ACCELERATE_USE_CPU=true accelerate launch --multi_gpu --num_processes 2 train.py      # CPU, two processes (gloo)
\`\`\`

The model is ${j.modelIsFolder ? `the folder \`${j.model}\`: on another machine copy it there and pass \`--model <folder>\`` : `the hub checkpoint \`${j.model}\``};
\`train.py\` refuses any other checkpoint (a soft prompt belongs to one model). \`--micro-batch N\` splits each
process's share of a batch into passes of N rows when memory is short (the gradient is the same);
\`--output-dir\` says where the prompt goes (default \`output/\`).

Each batch is split across the processes and the loss is scaled so that the gradient is that of the
batch's mean token loss, as on one device. The best prompt by the run's metric is saved to
\`output/prompt/\` as a PEFT adapter (\`adapter_config.json\`, \`adapter_model.safetensors\`) with
\`prompt-tuner-job.json\`; \`output/log.jsonl\` has the losses and evaluations.

## Back to Prompt Tuner

\`\`\`sh
prompt-tune import --adapter output/prompt --model ${j.model} --out prompts/imported
\`\`\`

or **Prompt Tuning: Import PEFT Prompt...** in VS Code. The model's fingerprint is checked against the
one \`train.py\` recorded; then inspection, the playground and ensembles work on the prompt.
`;
}
