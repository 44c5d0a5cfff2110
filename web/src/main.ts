// The console's entry: starts reading the folder in the URL (its first page, then its thumbnails)
// before React renders anything, then starts the console (start.tsx). (Loading start.tsx as a
// separate, preloaded chunk after these requests measured no better under load: one bundle.)
import './styles.css';
import './prefetch.ts'; // first: modules run in import order
import './start.tsx';
