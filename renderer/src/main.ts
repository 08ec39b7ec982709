// Placeholder until the desktop UI lands (issue 4): the renderer never touches Node or keys.
const root = document.getElementById('root');
if (root) root.textContent = 'Keycast';
