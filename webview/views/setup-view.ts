// The setup form: the same choices as the guided Tune Prompt flow, as webview-ui-toolkit controls.
// Values survive hiding the panel (kept in the webview state as they change).
import { el, icon, setText, type ValueElement } from '../dom';
import type { Choice, DatasetFields, NativeStatus, SetupChoices, SetupForm } from '../protocol';
import { getState, post, updateState } from '../vscode-api';

const INIT_CHOICES: Choice[] = [
  { label: 'class-labels (the paper’s best)', value: 'class-labels' },
  { label: 'sampled-vocab', value: 'sampled-vocab' },
  { label: 'random-uniform', value: 'random-uniform' },
];

function textField(id: string, label: string, attrs: Record<string, string | number | boolean | undefined> = {}): ValueElement {
  return el('vscode-text-field', { id, ...attrs }, label) as ValueElement;
}

function dropdown(id: string, choices: Choice[]): ValueElement {
  const d = el('vscode-dropdown', { id, position: 'below' }) as ValueElement;
  fillDropdown(d, choices);
  return d;
}

function fillDropdown(d: ValueElement, choices: Choice[]): void {
  d.replaceChildren(...choices.map((c) => el('vscode-option', { value: c.value, title: c.detail }, c.label)));
}

function labelled(label: string, control: HTMLElement, hint?: string): HTMLElement {
  return el('div', { class: 'field' }, el('label', { for: control.id }, label), control, ...(hint ? [el('div', { class: 'hint' }, hint)] : []));
}

export class SetupView {
  readonly root: HTMLElement;
  private readonly fields: Record<keyof SetupForm, ValueElement>;
  private readonly modelChoice: ValueElement;
  private readonly trainChoice: ValueElement;
  private readonly fieldHint = el('div', { class: 'hint', id: 'field-hint' });
  private readonly error = el('div', { class: 'form-error', role: 'alert', id: 'form-error' });
  private readonly startButton: HTMLElement;
  private readonly nativeStatus = el('span', { id: 'native-status' });
  private readonly nativeButton: HTMLElement;

  constructor() {
    this.modelChoice = dropdown('model-choice', []);
    this.trainChoice = dropdown('train-choice', []);
    this.fields = {
      model: textField('model', '', { placeholder: 'folder or hub id', size: 50 }),
      train: textField('train', '', { placeholder: 'data.jsonl', size: 50 }),
      inputField: textField('inputField', '', { placeholder: 'detected' }),
      targetField: textField('targetField', '', { placeholder: 'detected' }),
      template: textField('template', '', { placeholder: 'e.g. premise: {premise} hypothesis: {hypothesis}', size: 50 }),
      labels: textField('labels', '', { placeholder: 'yes, no' }),
      promptLength: textField('promptLength', '', { type: 'number', min: 1 }),
      init: dropdown('init', INIT_CHOICES),
      optimizer: dropdown('optimizer', [
        { label: 'Adafactor (the paper’s)', value: 'adafactor' },
        { label: 'Adam', value: 'adam' },
      ]),
      lr: textField('lr', '', { placeholder: 'optimiser default (0.3 for Adafactor)' }),
      batchSize: textField('batchSize', '', { type: 'number', min: 1 }),
      steps: textField('steps', '', { type: 'number', min: 1 }),
      backend: dropdown('backend', ['auto', 'node-gpu', 'node', 'wasm', 'cpu'].map((b) => ({ label: b, value: b }))),
    };
    const browse = (field: 'model' | 'train') =>
      el('vscode-button', { appearance: 'secondary', 'aria-label': field === 'model' ? 'Browse for a model folder' : 'Browse for a data file', id: `browse-${field}` }, icon('folder-opened'), ' Browse…');
    const browseModel = browse('model');
    const browseTrain = browse('train');
    browseModel.addEventListener('click', () => post({ type: 'browse', field: 'model' }));
    browseTrain.addEventListener('click', () => post({ type: 'browse', field: 'train' }));
    this.nativeButton = el('vscode-button', { id: 'setup-native', appearance: 'secondary', hidden: true }, icon('rocket'), ' Set Up Native Backend');
    this.nativeButton.addEventListener('click', () => post({ type: 'setUpNative' }));
    this.startButton = el('vscode-button', { id: 'start', appearance: 'primary' }, icon('play'), ' Start training');
    this.startButton.addEventListener('click', () => this.submit());

    this.root = el(
      'form',
      { class: 'setup', 'aria-label': 'New run' },
      el('h2', {}, 'New run'),
      el('p', { class: 'hint' }, 'Train a soft prompt for a frozen T5. The defaults are the paper’s (Lester et al. 2021).'),
      el('fieldset', {}, el('legend', {}, 'Model'), labelled('Known models', this.modelChoice), el('div', { class: 'row' }, labelled('Model folder or hub id', this.fields.model), browseModel)),
      el(
        'fieldset',
        {},
        el('legend', {}, 'Data'),
        labelled('Files in the workspace', this.trainChoice),
        el('div', { class: 'row' }, labelled('Training file', this.fields.train, 'JSON Lines, CSV or TSV; 10% is held out for validation'), browseTrain),
        el('div', { class: 'row' }, labelled('Input field', this.fields.inputField), labelled('Target field', this.fields.targetField)),
        labelled('or an input template', this.fields.template),
        labelled('Labels', this.fields.labels, 'comma-separated; evaluation ranks them'),
        this.fieldHint,
      ),
      el(
        'fieldset',
        {},
        el('legend', {}, 'Prompt'),
        el('div', { class: 'row' }, labelled('Prompt length', this.fields.promptLength, 'the paper: 20'), labelled('Initialisation', this.fields.init)),
      ),
      el(
        'fieldset',
        {},
        el('legend', {}, 'Training'),
        el(
          'div',
          { class: 'row' },
          labelled('Optimiser', this.fields.optimizer),
          labelled('Learning rate', this.fields.lr),
          labelled('Batch size', this.fields.batchSize),
          labelled('Steps', this.fields.steps),
          labelled('Backend', this.fields.backend),
        ),
        el('div', { class: 'hint native-status' }, 'Native TensorFlow backend: ', this.nativeStatus, ' ', this.nativeButton),
      ),
      this.error,
      el('div', { class: 'actions' }, this.startButton),
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
    for (const [key, control] of Object.entries(this.fields)) {
      control.addEventListener(control.tagName === 'VSCODE-DROPDOWN' ? 'change' : 'input', () => {
        this.remember();
        if (key === 'train') post({ type: 'datasetFields', train: control.value });
      });
    }
  }

  /** Fills the choices and defaults; values the user already typed (kept in state) win. */
  setChoices(choices: SetupChoices, trusted: boolean): void {
    fillDropdown(this.modelChoice, choices.models);
    fillDropdown(this.trainChoice, choices.datasets.length ? choices.datasets : [{ label: '(no .jsonl/.csv/.tsv files in the workspace)', value: '' }]);
    const saved = getState().form ?? {};
    const values: SetupForm = { ...choices.defaults, ...saved };
    for (const key of Object.keys(this.fields) as (keyof SetupForm)[]) this.setValue(key, String(values[key] ?? ''), false);
    if (values.train) post({ type: 'datasetFields', train: values.train });
    this.startButton.toggleAttribute('disabled', !trusted);
    if (!trusted) this.showError('This workspace is not trusted: Prompt Tuner does not train here.');
  }

  /** What "auto" can use: the native install's state, with the button to set it up when it is not ready. */
  setNative(status: NativeStatus): void {
    setText(this.nativeStatus, status.summary);
    this.nativeButton.hidden = status.state === 'ready';
  }

  setValue(key: keyof SetupForm, value: string, remember = true): void {
    const control = this.fields[key];
    // Dropdowns need their options rendered before a value sticks.
    if (control.tagName === 'VSCODE-DROPDOWN') queueMicrotask(() => (control.value = value));
    control.value = value;
    if (key === 'train' && remember) post({ type: 'datasetFields', train: value });
    if (remember) this.remember();
  }

  showDatasetFields(fields: DatasetFields): void {
    if (fields.train !== this.fields.train.value) return;
    const parts = [`Fields: ${fields.fields.join(', ') || 'none found'}`];
    if (fields.inputField) parts.push(`input “${fields.inputField}”`);
    if (fields.targetField) parts.push(`target “${fields.targetField}”`);
    if (fields.labels) parts.push(`labels ${fields.labels.join(', ')}`);
    setText(this.fieldHint, parts.join(' · '));
    if (!this.fields.labels.value && fields.labels) this.setValue('labels', fields.labels.join(', '));
  }

  showError(message: string): void {
    setText(this.error, message);
  }

  private read(): SetupForm {
    const v = (k: keyof SetupForm) => this.fields[k].value.trim();
    const int = (k: keyof SetupForm) => Number.parseInt(v(k), 10);
    return {
      model: v('model'),
      train: v('train'),
      inputField: v('inputField'),
      targetField: v('targetField'),
      template: v('template'),
      labels: v('labels'),
      promptLength: int('promptLength'),
      init: v('init'),
      optimizer: v('optimizer') === 'adam' ? 'adam' : 'adafactor',
      lr: v('lr'),
      batchSize: int('batchSize'),
      steps: int('steps'),
      backend: v('backend'),
    };
  }

  private remember(): void {
    updateState({ form: this.read() });
  }

  private submit(): void {
    const form = this.read();
    for (const key of ['promptLength', 'batchSize', 'steps'] as const) {
      if (!Number.isInteger(form[key]) || form[key] < 1) {
        this.showError(`${key === 'promptLength' ? 'Prompt length' : key === 'batchSize' ? 'Batch size' : 'Steps'} must be a whole number of at least 1.`);
        this.fields[key].focus();
        return;
      }
    }
    if (!form.model || !form.train) {
      this.showError(!form.model ? 'Choose a model.' : 'Choose a training file.');
      this.fields[!form.model ? 'model' : 'train'].focus();
      return;
    }
    this.showError('');
    post({ type: 'start', form });
  }
}
