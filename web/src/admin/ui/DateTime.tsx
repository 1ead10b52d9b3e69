// A timestamp in the current language's format, machine-readable in `dateTime`.
import { formatDate } from "../../lib/money";
import { useLocale } from "../../ui/Money";

export function DateTime({ iso }: { iso: string }) {
  const locale = useLocale();
  return <time dateTime={iso}>{formatDate(iso, locale)}</time>;
}
