// dig-holes' refusal of a file that something else holds open (its write lease refused, EAGAIN):
// a process, which fuser or lsof names, or loop devices attached to the file (a disk image with
// a file system mounted from it), which they do not: the kernel holds the file for those, and
// the remedy is to unmount and detach (losetup -d), named with the devices.

/** The refusal of a file held open elsewhere: by a process, or by loop devices (which fuser does not name). */
export function inUseMessage(path: string, why: string, loops: string[] | undefined): string {
  const lost =
    'could write a block between dig-holes reading it as zeros and punching it, and that block would be lost; nothing was changed.';
  if (!loops?.length)
    return (
      `dig-holes: ${path} is open in another process (${why}, E_IN_USE), such as a running VM, a database, a file server ` +
      `or a backup, which ${lost} Stop it or close the file there, then run dig-holes again (fuser or lsof names the process).`
    );
  const devs = loops.join(', ');
  const them = loops.length > 1 ? 'them' : 'it';
  return (
    `dig-holes: ${path} is attached to the loop device${loops.length > 1 ? 's' : ''} ${devs} (${why}, E_IN_USE): the kernel ` +
    `holds it open for ${them}, and what uses ${them} (a mounted file system) ${lost} Unmount what is on ${devs} and detach ` +
    `${them} (losetup -d ${loops.join(' ')}), then run dig-holes again.`
  );
}
