import type { ModelProblem } from '../../src-main/contract/api.js';

/**
 * Why search is unavailable, in the app's words: the remedies are the Download button and the
 * model folder field shown beside this text (the CLI names commands instead).
 */
export function modelProblemText(problem: ModelProblem): string {
  switch (problem.code) {
    case 'not-installed':
      return 'Search needs the CLIP model, which is not on this computer yet.';
    case 'unreadable':
      return `The model in ${problem.dir} could not be read (${problem.detail}). Download it again, or choose another folder.`;
    case 'incomplete': {
      const files = problem.files.map(
        (file) => `${file.path} ${file.status === 'missing' ? 'is missing' : 'is damaged'}`,
      );
      return `The model in ${problem.dir} is incomplete: ${files.join(', ')}. Download it to repair it, or choose another folder.`;
    }
  }
}
