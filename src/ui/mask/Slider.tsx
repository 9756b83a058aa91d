import { useId } from 'react';

export interface SliderProps {
  label: string;
  value: number;
  min: number;
  max: number;
  step: number;
  onChange(value: number): void;
  testId: string;
  /** How the value is shown beside the label (default: as is). */
  format?: (value: number) => string;
  disabled?: boolean;
  title?: string;
}

/** A labelled range input showing its value. */
export function Slider({ label, value, min, max, step, onChange, testId, format, disabled, title }: SliderProps) {
  const id = useId();
  return (
    <div className="mask-slider" title={title}>
      <label htmlFor={id}>
        <span>{label}</span>
        <output htmlFor={id}>{format ? format(value) : String(value)}</output>
      </label>
      <input
        id={id}
        type="range"
        min={min}
        max={max}
        step={step}
        value={value}
        disabled={disabled}
        data-testid={testId}
        onChange={(e) => onChange(Number(e.currentTarget.value))}
      />
    </div>
  );
}
