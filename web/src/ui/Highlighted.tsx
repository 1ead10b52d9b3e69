// Renders a search highlight with its matches in <mark>, as text.
import { highlightParts } from "../lib/highlight";

export function Highlighted({ html }: { html: string }) {
  return (
    <>
      {highlightParts(html).map((part, index) => (part.marked ? <mark key={index}>{part.text}</mark> : <span key={index}>{part.text}</span>))}
    </>
  );
}
