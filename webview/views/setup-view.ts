// The setup form: one control per setting the schema offers in the form (FORM_FIELDS), grouped by
// section, plus the known models and data files to pick from. The host checks what is sent and
// names the field at fault. Values survive hiding the panel (kept in the webview state as they change).
import { el, icon, setText, type ValueElement } from '../dom';
import { describeTaskPreset, FORM_FIELDS, formText, isTaskName, withTaskPreset, type Choice, type DatasetFields, type FormField, type FormValues, type NativeStatus, type SetupChoices } from '../protocol';
import type { RequestError } from '../requests';
import { getState, requests, updateState } from '../vscode-api';

const SECTIONS: Record<FormField['section'], string> = { model: 'Model', data: 'Data', prompt: 'Prompt', training: 'Training' };

function dropdown(id: string, choices: Choice[]): ValueElement {
  const d = el('vscode-dropdown', { id, position: 'below' }) as ValueElement;
  fillDropdown(d, choices);
  return d;
}

function fillDropdown(d: ValueElement, choices: Choice[]): void {
  d.replaceChildren(...choices.map((c) => el('vscode-option', { value: c.value, title: c.detail }, c.label)));
}

function control(field: FormField): ValueElement {
  // An empty choice leaves the setting out (a task preset is optional).
  if (field.choices) return dropdown(field.name, field.choices.map((c) => ({ label: c || 'none', value: c })));
  return el('vscode-text-field', { id: field.name, placeholder: field.placeholder, type: field.kind === 'number' ? 'number' : undefined, title: field.help }) as ValueElement;
}

function labelled(field: FormField, input: HTMLElement): HTMLElement {
  return el('div', { class: 'field' }, el('label', { for: input.id }, field.label), input, el('div', { class: 'hint' }, field.help));
}

type SweepField = 'promptLength' | 'init' | 'seeds' | 'textPrompt' | 'shots';

export class SetupView {
  readonly root: HTMLElement;
  private readonly fields = new Map<string, ValueElement>();
  private readonly modelChoice = dropdown('model-choice', []);
  private readonly trainChoice = dropdown('train-choice', []);
  private readonly fieldHint = el('div', { class: 'hint', id: 'field-hint' });
  private readonly taskHint = el('div', { class: 'hint', id: 'task-hint' });
  private readonly sweep: Partial<Record<SweepField, ValueElement>> = {};
  private readonly error = el('div', { class: 'form-error', role: 'alert', id: 'form-error' });
  private readonly startButton: HTMLElement;
  private readonly nativeStatus = el('span', { id: 'native-status' });
  private readonly nativeButton: HTMLElement;

  constructor() {
    // The host asks: an open dialog for a folder or file, an input box for a hub dataset (into the train field).
    const browse = (field: 'model' | 'train' | 'hubDataset') => {
      const [label, codicon, text] =
        field === 'model' ? ['Browse for a model folder', 'folder-opened', ' Browse…'] : field === 'train' ? ['Browse for a data file', 'folder-opened', ' Browse…'] : ['Enter a Hugging Face hub dataset', 'cloud', ' HF Hub dataset…'];
      const button = el('vscode-button', { appearance: 'secondary', 'aria-label': label, id: `browse-${field}` }, icon(codicon), text);
      button.addEventListener('click', () => {
        requests.send({ type: 'browse', field }).then((reply) => reply.value && this.setValue(field === 'model' ? 'model' : 'train', reply.value), (err: RequestError) => this.showError(err.message));
      });
      return button;
    };
    // Above a section's fields: where to pick the model and the data from.
    const extras: Partial<Record<FormField['section'], HTMLElement[]>> = {
      model: [el('div', { class: 'field' }, el('label', { for: 'model-choice' }, 'Known models'), this.modelChoice)],
      data: [el('div', { class: 'field' }, el('label', { for: 'train-choice' }, 'Files in the workspace'), this.trainChoice)],
    };
    const after: Record<string, HTMLElement[]> = { model: [browse('model')], train: [browse('train'), browse('hubDataset')] };
    const sections = (Object.keys(SECTIONS) as FormField['section'][]).map((section) => {
      const row = el('div', { class: 'row' });
      for (const field of FORM_FIELDS.filter((f) => f.section === section)) {
        const input = control(field);
        this.fields.set(field.name, input);
        row.append(labelled(field, input));
        row.append(...(after[field.name] ?? []));
        input.addEventListener(input.tagName === 'VSCODE-DROPDOWN' ? 'change' : 'input', () => {
          this.remember();
          if (field.name === 'train') this.askDatasetFields(input.value);
          if (field.name === 'task') this.showTask(input.value);
        });
      }
      return el('fieldset', {}, el('legend', {}, SECTIONS[section]), ...(extras[section] ?? []), row, ...(section === 'data' ? [this.taskHint, this.fieldHint] : []));
    });
    this.nativeButton = el('vscode-button', { id: 'setup-native', appearance: 'secondary', hidden: true }, icon('rocket'), ' Set Up Native Backend');
    this.nativeButton.addEventListener('click', () => requests.send({ type: 'setUpNative' }).catch((err: RequestError) => this.showError(err.message)));
    sections.at(-1)!.append(el('div', { class: 'hint native-status' }, 'Native TensorFlow backend: ', this.nativeStatus, ' ', this.nativeButton));
    this.startButton = el('vscode-button', { id: 'start', appearance: 'primary' }, icon('play'), ' Start training');
    this.startButton.addEventListener('click', () => this.submit());
    const sweepButton = el('vscode-button', { id: 'start-sweep', appearance: 'secondary' }, icon('table'), ' Start sweep');
    sweepButton.addEventListener('click', () => this.submitSweep());

    this.root = el(
      'form',
      { class: 'setup', 'aria-label': 'New run' },
      el('h2', {}, 'New run'),
      el('p', { class: 'hint' }, 'Train a soft prompt for a frozen T5. Empty fields take the defaults, the paper’s (Lester et al. 2021).'),
      ...sections,
      this.sweepFields(),
      this.error,
      el('div', { class: 'actions' }, this.startButton, ' ', sweepButton),
    );
    this.root.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    this.root.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) this.submit();
    });
    this.modelChoice.addEventListener('change', () => this.setValue('model', this.modelChoice.value));
    this.trainChoice.addEventListener('change', () => this.setValue('train', this.trainChoice.value));
  }

  /** Fills the choices and defaults; values the user already typed (kept in state) win. */
  setChoices(choices: SetupChoices, trusted: boolean): void {
    fillDropdown(this.modelChoice, choices.models);
    fillDropdown(this.trainChoice, choices.datasets.length ? choices.datasets : [{ label: '(no .jsonl/.csv/.tsv/.parquet files in the workspace)', value: '' }]);
    const values: FormValues = { ...choices.defaults, ...getState().form };
    for (const name of this.fields.keys()) this.setValue(name, String(values[name as keyof FormValues] ?? ''), false);
    if (values.train) this.askDatasetFields(values.train);
    this.startButton.toggleAttribute('disabled', !trusted);
    if (!trusted) this.showError('This workspace is not trusted: Prompt Tuner does not train here.');
  }

  /** What "auto" can use: the native install's state, with the button to set it up when it is not ready. */
  setNative(status: NativeStatus): void {
    setText(this.nativeStatus, status.summary);
    this.nativeButton.hidden = status.state === 'ready';
  }

  setValue(name: string, value: string, remember = true): void {
    const input = this.fields.get(name);
    if (!input) return;
    // Dropdowns need their options rendered before a value sticks.
    if (input.tagName === 'VSCODE-DROPDOWN') queueMicrotask(() => (input.value = value));
    input.value = value;
    if (name === 'train' && remember) this.askDatasetFields(value);
    if (name === 'task') this.showTask(value);
    if (remember) this.remember();
  }

  /** What a task preset fills in: the fields left empty take it, so their placeholders show its values. */
  private showTask(task: string): void {
    const known = isTaskName(task);
    setText(this.taskHint, known ? `${describeTaskPreset(task)}. Empty fields take the preset's settings shown in them; without a training file, the hub's dataset.` : '');
    const preset = new Map(Object.entries(known ? withTaskPreset({ task }) : {}));
    for (const field of FORM_FIELDS) {
      const input = this.fields.get(field.name);
      if (input && field.kind !== 'choice') input.setAttribute('placeholder', preset.has(field.name) ? formText(preset.get(field.name)) : field.placeholder);
    }
  }

  private askDatasetFields(train: string): void {
    if (!train.trim()) return setText(this.fieldHint, '');
    requests.send({ type: 'datasetFields', train }).then(
      (reply) => this.showDatasetFields(reply.fields),
      (err: RequestError) => train === this.fields.get('train')?.value && setText(this.fieldHint, err.message),
    );
  }

  private showDatasetFields(fields: DatasetFields): void {
    if (fields.train !== this.fields.get('train')?.value) return;
    const parts = [`Fields: ${fields.fields.join(', ') || 'none found'}`];
    if (fields.inputField) parts.push(`input “${fields.inputField}”`);
    if (fields.targetField) parts.push(`target “${fields.targetField}”`);
    if (fields.labels) parts.push(`labels ${fields.labels.join(', ')}`);
    setText(this.fieldHint, parts.join(' · '));
    // A task preset brings its own label words.
    if (!this.fields.get('labels')?.value && !this.fields.get('task')?.value && fields.labels) this.setValue('labels', fields.labels.join(', '));
  }

  showError(message: string, field?: string): void {
    setText(this.error, message);
    if (field) this.fields.get(field)?.focus();
  }

  private read(): FormValues {
    return Object.fromEntries([...this.fields].map(([name, input]) => [name, input.value.trim()]));
  }

  private remember(): void {
    updateState({ form: this.read() });
  }

  /** A sweep's grid over this run (Start Sweep's, the CLI's --prompt-length, --init and --seeds). */
  private sweepFields(): HTMLElement {
    const row = el('div', { class: 'row' });
    const fields: [SweepField, string, string, string][] = [
      ['promptLength', 'Prompt lengths', '1,5,20,100', 'Comma-separated; empty: the run’s prompt length.'],
      ['init', 'Initialisations', 'random-uniform,sampled-vocab,class-labels', 'Comma-separated; empty: the run’s initialisation.'],
      ['seeds', 'Seeds per point', '1', 'How many seeds each grid point is trained with, for the spread across them.'],
      ['textPrompt', 'Text prompt (prompt design baseline)', 'Is this review positive or negative?', 'Optional: the frozen model with this text in front of each input, scored on the same validation data beside the tuned prompts.'],
      ['shots', 'Shots', '0', 'Optional, with a text prompt: the first N training examples put in front of each input too.'],
    ];
    for (const [key, label, placeholder, help] of fields) {
      const id = `sweep-${key}`;
      const input = el('vscode-text-field', { id, placeholder, title: help }) as ValueElement;
      this.sweep[key] = input;
      row.append(el('div', { class: 'field' }, el('label', { for: id }, label), input, el('div', { class: 'hint' }, help)));
    }
    return el('fieldset', {}, el('legend', {}, 'Sweep (optional)'), el('p', { class: 'hint' }, 'Start sweep trains this run once per combination of these values, one after another, and shows them together in the Sweep tab.'), row);
  }

  private submitSweep(): void {
    this.showError('');
    const value = (key: SweepField) => this.sweep[key]?.value.trim() ?? '';
    const grid = { promptLength: value('promptLength'), init: value('init'), seeds: value('seeds'), textPrompt: value('textPrompt'), shots: value('shots') };
    requests.send({ type: 'startSweep', form: this.read(), grid }).catch((err: RequestError) => this.showError(err.message, err.field));
  }

  private submit(): void {
    this.showError('');
    requests.send({ type: 'start', form: this.read() }).catch((err: RequestError) => this.showError(err.message, err.field));
  }
}
