// Counts the packages and bytes under <dir>/node_modules, as the README's install sizes were measured:
//   node scripts/install-size.js /tmp/some-project
import fs from 'node:fs';
import path from 'node:path';

function packages(dir, found = []) {
  if (!fs.existsSync(dir)) return found;
  for (const name of fs.readdirSync(dir)) {
    if (name.startsWith('.')) continue;
    const full = path.join(dir, name);
    if (name.startsWith('@')) packages(full, found);
    else if (fs.existsSync(path.join(full, 'package.json'))) {
      found.push(full);
      packages(path.join(full, 'node_modules'), found);
    }
  }
  return found;
}

function bytes(file) {
  const stat = fs.lstatSync(file);
  return stat.isDirectory() ? fs.readdirSync(file).reduce((sum, name) => sum + bytes(path.join(file, name)), 0) : stat.size;
}

const modules = path.join(process.argv[2] ?? '.', 'node_modules');
console.log(`${packages(modules).length} packages, ${(bytes(modules) / 1e6).toFixed(1)} MB in ${modules}`);
