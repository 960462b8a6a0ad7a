// The health charts' time range as a row of radio buttons: one click, and a phone can reach each.
import { RANGE_CHOICES, type RangeChoice } from '../lib/time-range';

export function RangePicker({ value, onChange }: { value: RangeChoice; onChange: (v: RangeChoice) => void }) {
  return (
    <div role="radiogroup" aria-label="Time range" className="segmented">
      {RANGE_CHOICES.map((c) => (
        <button key={c.value} type="button" role="radio" aria-checked={value === c.value} className={value === c.value ? 'on' : undefined} onClick={() => onChange(c.value)}>
          {c.label}
        </button>
      ))}
    </div>
  );
}
