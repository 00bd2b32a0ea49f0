// Grants or removes the admin role (the first admin has nobody to ask):
//   node --import tsx signaling/accounts/setRole.ts <email> admin|user
// Reads DATABASE_URL / DATA_DIR like the server. Takes effect at the user's
// next sign-in or token refresh (access tokens live 15 minutes).
import { z } from 'zod';
import { openDatabase } from '../../prisma/database.ts';
import { roles } from '../protocol/accounts.ts';
import { loadConfigOrExit } from '../config/config.ts';

const [email, roleArgument] = process.argv.slice(2);
const role = z.enum(roles).safeParse(roleArgument);
if (!email || !role.success) {
  process.stderr.write(`usage: node --import tsx signaling/accounts/setRole.ts <email> ${roles.join('|')}\n`);
  process.exit(2);
}

const database = openDatabase(loadConfigOrExit().databaseUrl);
try {
  const changed = await database.user.updateMany({
    where: { email: email.trim().toLowerCase() },
    data: { role: role.data },
  });
  if (changed.count === 0) {
    process.stderr.write(`stagecast: no account with the email ${email}\n`);
    process.exitCode = 1;
  } else {
    process.stdout.write(`${email} is now ${role.data}\n`);
  }
} finally {
  await database.$disconnect();
}
