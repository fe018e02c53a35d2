import { describe, expect, it } from 'vitest';
import { nameWithStatusMark, stripStatusMark } from './nameWithStatusMark.ts';

const on = { nameStatusMark: true };
const off = { nameStatusMark: false };

describe('nameWithStatusMark', () => {
  it('appends ✔ or ✖ and replaces an old mark', () => {
    expect(nameWithStatusMark('Contoso', true, on)).toBe('Contoso ✔');
    expect(nameWithStatusMark('Contoso ✔', false, on)).toBe('Contoso ✖');
    expect(nameWithStatusMark(nameWithStatusMark('Contoso', true, on), true, on)).toBe('Contoso ✔');
  });

  it('removes any mark when the mapping turns marks off', () => {
    expect(nameWithStatusMark('Contoso ✖', true, off)).toBe('Contoso');
  });

  it('keeps the marked name within 120 characters', () => {
    const marked = nameWithStatusMark('n'.repeat(120), true, on);
    expect(marked).toHaveLength(120);
    expect(marked.endsWith(' ✔')).toBe(true);
  });

  it('strips only a trailing mark', () => {
    expect(stripStatusMark('✔ Contoso')).toBe('✔ Contoso');
    expect(stripStatusMark('Contoso  ✖ ')).toBe('Contoso');
  });
});
